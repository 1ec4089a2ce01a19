// Pooling loops, parallel over planes. Each output row is built one kernel tap
// at a time (kernels/window.h): for a tap, the run of outputs whose window
// holds that tap inside the image is one unit-step loop the compiler
// vectorises, where a loop per output window would pay bounds checks and
// divisions per output. Taps are visited in (row, column) order, so ties and
// float sums come out as in a window-by-window loop.
#include "kernels/pool2d.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/grain.h"
#include "kernels/window.h"

namespace ag::kernels {

namespace {

// The column taps of one call, the same for every plane and output row:
// tap j reads input column ow·stride_w + offset[j] for outputs ow in range[j].
struct ColumnTaps {
  std::vector<int64_t> offset;
  std::vector<OutputRange> range;
};

ColumnTaps column_taps(const Pool2dGeometry& g) {
  ColumnTaps t;
  for (int64_t j = 0; j < g.kernel_w; ++j) {
    t.offset.push_back(j * g.dil_w - g.pad_w);
    t.range.push_back(outputs_inside(t.offset.back(), g.stride_w, g.in_w, g.out_w));
  }
  return t;
}

// Calls tap(ih, offset, range) for every tap of output row oh whose input row ih is inside the image.
template <typename F>
void for_row_taps(const Pool2dGeometry& g, const ColumnTaps& cols, int64_t oh, F&& tap) {
  for (int64_t i = 0; i < g.kernel_h; ++i) {
    const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dil_h;
    if (ih < 0 || ih >= g.in_h) continue;
    for (int64_t j = 0; j < g.kernel_w; ++j) tap(ih, cols.offset[j], cols.range[j]);
  }
}

template <typename F>
void for_planes(const Pool2dGeometry& g, F&& f) {
  parallel_for(g.planes, grain_for(g.in_h * g.in_w), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) f(p);
  });
}

// How many positions of an average window lie inside the padded image (PyTorch clips the window
// there first, for ceil_mode) and inside the image itself, along one axis.
struct AxisCount {
  int64_t padded, real;
};

std::vector<AxisCount> axis_counts(int64_t count, int64_t kernel, int64_t stride, int64_t pad, int64_t size) {
  std::vector<AxisCount> out(count);
  for (int64_t o = 0; o < count; ++o) {
    const int64_t start = o * stride - pad, end = std::min(start + kernel, size + pad);
    out[o] = {end - start, std::max<int64_t>(0, std::min(end, size) - std::max<int64_t>(start, 0))};
  }
  return out;
}

// The divisor of every output of a plane (0 marks a window with no pixel in the image, which averages to 0).
std::vector<double> avg_divisors(const Pool2dGeometry& g, AvgDivisor d) {
  const auto hc = axis_counts(g.out_h, g.kernel_h, g.stride_h, g.pad_h, g.in_h);
  const auto wc = axis_counts(g.out_w, g.kernel_w, g.stride_w, g.pad_w, g.in_w);
  std::vector<double> divisors(g.out_h * g.out_w);
  for (int64_t oh = 0; oh < g.out_h; ++oh)
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const bool empty = hc[oh].real * wc[ow].real == 0;
      const int64_t div = d.override_value != 0 ? d.override_value
                          : d.count_include_pad ? hc[oh].padded * wc[ow].padded
                                                : hc[oh].real * wc[ow].real;
      divisors[oh * g.out_w + ow] = empty ? 0.0 : static_cast<double>(div);
    }
  return divisors;
}

// Note [Max pool order]: PyTorch visits a window's taps row by row and keeps a tap when
// `v > best || isnan(v)`, so the first maximum wins and NaN beats everything (the last NaN
// wins). Folding with that rule is associative: folding each window row first and then the
// row results top to bottom picks the same winner as the tap-by-tap walk.
template <typename T>
inline void keep_max(T& best, int64_t& best_at, T v, int64_t at) {
  const bool take = v > best || v != v;
  best = take ? v : best;
  best_at = take ? at : best_at;
}

// One plane of windows that tile the image (stride = kernel, no padding, no dilation, no partial
// window): first the max of each window row over the used rows, then of those row results per
// window (Note [Max pool order]). When the windows span whole image rows, the first pass is one
// long vector loop over the plane; output rows alone (7 or 14 long in the ConvNet) would be too
// short for one. Sizes come in as parameters so the compiler knows the int64 index stores cannot
// change them, and each output is folded in locals so the selects vectorise. kK is the (square)
// kernel size when known at compile time, which unrolls the folds (0: use kh, kw).
template <int kK, typename T>
void max_pool_tiled_plane(const T* plane, T* out, int64_t* arg, int64_t W, int64_t OH, int64_t OW, int64_t kh,
                          int64_t kw, T* row_max, int64_t* row_at) {
  if (kK) kh = kw = kK;
  const bool flat = W == OW * kw;
  const int64_t runs = flat ? 1 : OH * kh, run_len = flat ? OH * kh * OW : OW;
  for (int64_t r = 0; r < runs; ++r) {
    const T* in = plane + r * W;
    T* rm = row_max + r * OW;
    int64_t* ra = row_at + r * OW;
    for (int64_t q = 0; q < run_len; ++q) {
      T best = in[q * kw];
      int64_t at = r * W + q * kw;
      for (int64_t j = 1; j < kw; ++j) keep_max(best, at, in[q * kw + j], r * W + q * kw + j);
      rm[q] = best;
      ra[q] = at;
    }
  }
  for (int64_t oh = 0; oh < OH; ++oh) {
    const T* rm = row_max + oh * kh * OW;
    const int64_t* ra = row_at + oh * kh * OW;
    for (int64_t ow = 0; ow < OW; ++ow) {
      T best = rm[ow];
      int64_t at = ra[ow];
      for (int64_t i = 1; i < kh; ++i) keep_max(best, at, rm[i * OW + ow], ra[i * OW + ow]);
      out[oh * OW + ow] = best;
      arg[oh * OW + ow] = at;
    }
  }
}

template <int kK, typename T>
void max_pool2d_tiled(const Pool2dGeometry& g, const T* x, T* y, int64_t* argmax) {
  parallel_for(g.planes, grain_for(g.in_h * g.in_w), [&](int64_t p0, int64_t p1) {
    std::vector<T> row_max(g.out_h * g.kernel_h * g.out_w);
    std::vector<int64_t> row_at(row_max.size());
    for (int64_t p = p0; p < p1; ++p)
      max_pool_tiled_plane<kK>(x + p * g.in_h * g.in_w, y + p * g.out_h * g.out_w, argmax + p * g.out_h * g.out_w,
                               g.in_w, g.out_h, g.out_w, g.kernel_h, g.kernel_w, row_max.data(), row_at.data());
  });
}

bool windows_tile(const Pool2dGeometry& g) {
  return g.stride_h == g.kernel_h && g.stride_w == g.kernel_w && g.pad_h == 0 && g.pad_w == 0 && g.dil_h == 1 &&
         g.dil_w == 1 && g.out_h * g.kernel_h <= g.in_h && g.out_w * g.kernel_w <= g.in_w;
}

}  // namespace

template <typename T>
void max_pool2d_forward(const Pool2dGeometry& g, const T* x, T* y, int64_t* argmax) {
  if (windows_tile(g)) {
    if (g.kernel_h == 2 && g.kernel_w == 2) return max_pool2d_tiled<2>(g, x, y, argmax);
    if (g.kernel_h == 3 && g.kernel_w == 3) return max_pool2d_tiled<3>(g, x, y, argmax);
    return max_pool2d_tiled<0>(g, x, y, argmax);
  }
  const int64_t H = g.in_h, W = g.in_w, OH = g.out_h, OW = g.out_w, sw = g.stride_w;
  const ColumnTaps cols = column_taps(g);
  // The first in-image column of each output's window: its index stands when nothing beats −inf.
  std::vector<int64_t> first_col(OW, 0);
  for (int64_t j = g.kernel_w - 1; j >= 0; --j)
    for (int64_t ow = cols.range[j].lo; ow < cols.range[j].hi; ++ow) first_col[ow] = ow * sw + cols.offset[j];
  // Sizes are captured by value: `argmax` stores int64s, so referenced sizes would be reloaded every step.
  for_planes(g, [&, H, W, OH, OW, sw](int64_t p) {
    const T* plane = x + p * H * W;
    for (int64_t oh = 0; oh < OH; ++oh) {
      T* best = y + (p * OH + oh) * OW;
      int64_t* at = argmax + (p * OH + oh) * OW;
      int64_t first_row = -1;
      for_row_taps(g, cols, oh, [&](int64_t ih, int64_t, OutputRange) {
        if (first_row < 0) first_row = ih;
      });
      for (int64_t ow = 0; ow < OW; ++ow) {
        best[ow] = -std::numeric_limits<T>::infinity();
        at[ow] = std::max<int64_t>(first_row, 0) * W + first_col[ow];
      }
      for_row_taps(g, cols, oh, [&, W, sw](int64_t ih, int64_t off, OutputRange r) {
        const T* in = plane + ih * W;
        const int64_t base = ih * W;
        for (int64_t ow = r.lo; ow < r.hi; ++ow) keep_max(best[ow], at[ow], in[ow * sw + off], base + ow * sw + off);
      });
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
  const int64_t W = g.in_w, OH = g.out_h, OW = g.out_w, sw = g.stride_w;
  const ColumnTaps cols = column_taps(g);
  const std::vector<double> divisors = avg_divisors(g, d);
  for_planes(g, [&](int64_t p) {
    const T* plane = x + p * g.in_h * W;
    for (int64_t oh = 0; oh < OH; ++oh) {
      T* sum = y + (p * OH + oh) * OW;
      std::fill(sum, sum + OW, T(0));
      for_row_taps(g, cols, oh, [&](int64_t ih, int64_t off, OutputRange r) {
        const T* in = plane + ih * W;
        for (int64_t ow = r.lo; ow < r.hi; ++ow) sum[ow] += in[ow * sw + off];
      });
      const double* div = divisors.data() + oh * OW;
      for (int64_t ow = 0; ow < OW; ++ow) sum[ow] = div[ow] != 0 ? sum[ow] / static_cast<T>(div[ow]) : T(0);
    }
  });
}

template <typename T>
void avg_pool2d_backward(const Pool2dGeometry& g, AvgDivisor d, const T* gy, T* gx) {
  const int64_t W = g.in_w, OH = g.out_h, OW = g.out_w, sw = g.stride_w;
  const ColumnTaps cols = column_taps(g);
  const std::vector<double> divisors = avg_divisors(g, d);
  parallel_for(g.planes, grain_for(g.in_h * W), [&](int64_t p0, int64_t p1) {
    std::vector<T> share(OW);  // one output row's gradients, each divided by its window's divisor
    for (int64_t p = p0; p < p1; ++p) {
      T* plane = gx + p * g.in_h * W;
      std::fill(plane, plane + g.in_h * W, T(0));
      for (int64_t oh = 0; oh < OH; ++oh) {
        const T* grow = gy + (p * OH + oh) * OW;
        const double* div = divisors.data() + oh * OW;
        for (int64_t ow = 0; ow < OW; ++ow) share[ow] = div[ow] != 0 ? grow[ow] / static_cast<T>(div[ow]) : T(0);
        for_row_taps(g, cols, oh, [&](int64_t ih, int64_t off, OutputRange r) {
          T* in = plane + ih * W;
          for (int64_t ow = r.lo; ow < r.hi; ++ow) in[ow * sw + off] += share[ow];
        });
      }
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
