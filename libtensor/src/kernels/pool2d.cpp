// Pooling loops, parallel over planes. The window of each output is clipped to
// the image once, so the inner loops carry no bounds checks.
#include "kernels/pool2d.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/grain.h"

namespace ag::kernels {

namespace {

// Taps t in [lo, hi) of a window starting at `start` with step `dil` land inside [0, size).
struct Taps {
  int64_t lo, hi;
};

Taps inside(int64_t start, int64_t kernel, int64_t dil, int64_t size) {
  int64_t lo = start >= 0 ? 0 : (-start + dil - 1) / dil;
  int64_t hi = size - start <= 0 ? 0 : std::min(kernel, (size - start + dil - 1) / dil);
  return {lo, std::max(lo, hi)};
}

// Runs f(plane) for every plane, split across threads.
template <typename F>
void for_planes(const Pool2dGeometry& g, F&& f) {
  parallel_for(g.planes, grain_for(g.in_h * g.in_w), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) f(p);
  });
}

// PyTorch's average window: clipped to the padded image for the divisor, then to the image for the sum.
struct AvgWindow {
  int64_t h0, h1, w0, w1, divisor;
};

AvgWindow avg_window(const Pool2dGeometry& g, AvgDivisor d, int64_t oh, int64_t ow) {
  int64_t h0 = oh * g.stride_h - g.pad_h, w0 = ow * g.stride_w - g.pad_w;
  int64_t h1 = std::min(h0 + g.kernel_h, g.in_h + g.pad_h), w1 = std::min(w0 + g.kernel_w, g.in_w + g.pad_w);
  const int64_t padded_count = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, g.in_h);
  w1 = std::min(w1, g.in_w);
  int64_t divisor = d.override_value != 0 ? d.override_value
                    : d.count_include_pad ? padded_count
                                          : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, divisor};
}

}  // namespace

template <typename T>
void max_pool2d_forward(const Pool2dGeometry& g, const T* x, T* y, int64_t* argmax) {
  const int64_t H = g.in_h, W = g.in_w, OH = g.out_h, OW = g.out_w;
  for_planes(g, [&](int64_t p) {
    const T* plane = x + p * H * W;
    T* out = y + p * OH * OW;
    int64_t* arg = argmax + p * OH * OW;
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = oh * g.stride_h - g.pad_h;
      const Taps th = inside(h0, g.kernel_h, g.dil_h, H);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = ow * g.stride_w - g.pad_w;
        const Taps tw = inside(w0, g.kernel_w, g.dil_w, W);
        int64_t best_at = (h0 + th.lo * g.dil_h) * W + (w0 + tw.lo * g.dil_w);
        T best = -std::numeric_limits<T>::infinity();
        for (int64_t i = th.lo; i < th.hi; ++i) {
          const int64_t row = (h0 + i * g.dil_h) * W;
          for (int64_t j = tw.lo; j < tw.hi; ++j) {
            const int64_t at = row + w0 + j * g.dil_w;
            const T v = plane[at];
            if (v > best || std::isnan(v)) {
              best = v;
              best_at = at;
            }
          }
        }
        out[oh * OW + ow] = best;
        arg[oh * OW + ow] = best_at;
      }
    }
  });
}

template <typename T>
void max_pool2d_backward(const Pool2dGeometry& g, const T* gy, const int64_t* argmax, T* gx) {
  const int64_t HW = g.in_h * g.in_w, P = g.out_h * g.out_w;
  for_planes(g, [&](int64_t p) {
    T* plane = gx + p * HW;
    std::fill(plane, plane + HW, T(0));
    for (int64_t i = 0; i < P; ++i) plane[argmax[p * P + i]] += gy[p * P + i];
  });
}

template <typename T>
void avg_pool2d_forward(const Pool2dGeometry& g, AvgDivisor d, const T* x, T* y) {
  const int64_t W = g.in_w, OH = g.out_h, OW = g.out_w;
  for_planes(g, [&](int64_t p) {
    const T* plane = x + p * g.in_h * W;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const AvgWindow win = avg_window(g, d, oh, ow);
        T sum = 0;
        for (int64_t h = win.h0; h < win.h1; ++h)
          for (int64_t w = win.w0; w < win.w1; ++w) sum += plane[h * W + w];
        // An empty window (possible only with ceil_mode) averages to 0, as in PyTorch.
        y[(p * OH + oh) * OW + ow] = win.h0 < win.h1 && win.w0 < win.w1 ? sum / static_cast<T>(win.divisor) : T(0);
      }
  });
}

template <typename T>
void avg_pool2d_backward(const Pool2dGeometry& g, AvgDivisor d, const T* gy, T* gx) {
  const int64_t W = g.in_w, OH = g.out_h, OW = g.out_w;
  for_planes(g, [&](int64_t p) {
    T* plane = gx + p * g.in_h * W;
    std::fill(plane, plane + g.in_h * W, T(0));
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const AvgWindow win = avg_window(g, d, oh, ow);
        if (win.h0 >= win.h1 || win.w0 >= win.w1) continue;
        const T share = gy[(p * OH + oh) * OW + ow] / static_cast<T>(win.divisor);
        for (int64_t h = win.h0; h < win.h1; ++h)
          for (int64_t w = win.w0; w < win.w1; ++w) plane[h * W + w] += share;
      }
  });
}

#define AG_POOL_INSTANTIATE(T)                                                                     \
  template void max_pool2d_forward<T>(const Pool2dGeometry&, const T*, T*, int64_t*);             \
  template void max_pool2d_backward<T>(const Pool2dGeometry&, const T*, const int64_t*, T*);      \
  template void avg_pool2d_forward<T>(const Pool2dGeometry&, AvgDivisor, const T*, T*);           \
  template void avg_pool2d_backward<T>(const Pool2dGeometry&, AvgDivisor, const T*, T*);
AG_POOL_INSTANTIATE(float)
AG_POOL_INSTANTIATE(double)
#undef AG_POOL_INSTANTIATE

}  // namespace ag::kernels
