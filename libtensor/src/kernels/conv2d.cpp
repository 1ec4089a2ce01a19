// Convolution as BLAS products, one image at a time: im2col lowers the image,
// then each group is one gemm. Forward: y[n] = W · col(x[n]). Backward:
// dW = Σₙ dy[n] · col(x[n])ᵀ, dx[n] = col2im(Wᵀ · dy[n]), db = Σ dy.
// Note [Conv threading]: the products of a small layer are too small for
// OpenBLAS to split well, so by default the batch is cut into one chunk per
// thread and each chunk calls single-threaded BLAS; the column buffer of an
// image is then still in that core's cache when its gemm reads it.
#include "kernels/conv2d.h"

#include <algorithm>
#include <vector>

#include "ag/runtime.h"
#include "kernels/blas_call.h"
#include "kernels/parallel.h"

namespace ag::kernels {

namespace {

int64_t pick_chunks(const Conv2dGeometry& g, ConvThreading how) {
  const int64_t threads = get_num_threads();
  if (how == ConvThreading::kInsideBlas || threads < 2 || g.batch < 2) return 1;
  if (how == ConvThreading::kAuto && g.batch < threads) return 1;
  return std::min(threads, g.batch);
}

// Calls body(chunk, first_image, end_image) for each of `chunks` contiguous slices of the batch.
template <typename F>
void over_batch_chunks(int64_t batch, int64_t chunks, F&& body) {
  if (chunks <= 1) {
    body(int64_t{0}, int64_t{0}, batch);
    return;
  }
  BlasSingleThreaded serial_blas;
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) body(c, batch * c / chunks, batch * (c + 1) / chunks);
  });
}

}  // namespace

template <typename T>
void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, const T* bias, T* y, ConvThreading how) {
  const int64_t G = g.groups, Og = g.group_out(), K = g.col_rows(), P = g.out_plane();
  const bool pointwise = g.is_pointwise();
  over_batch_chunks(g.batch, pick_chunks(g, how), [&](int64_t, int64_t n0, int64_t n1) {
    std::vector<T> buf(pointwise ? 0 : G * K * P);
    for (int64_t n = n0; n < n1; ++n) {
      const T* col = x + n * g.in_image();
      if (!pointwise) {
        im2col(g, col, buf.data());
        col = buf.data();
      }
      T* yn = y + n * g.out_image();
      if (bias)
        for (int64_t o = 0; o < g.out_channels; ++o) std::fill(yn + o * P, yn + (o + 1) * P, bias[o]);
      for (int64_t grp = 0; grp < G; ++grp)
        gemm_raw<T>(false, false, Og, P, K, T(1), w + grp * Og * K, K, col + grp * K * P, P, T(bias ? 1 : 0),
                    yn + grp * Og * P, P);
    }
  });
}

template <typename T>
void conv2d_backward(const Conv2dGeometry& g, const T* x, const T* w, const T* gy, T* gx, T* gw, T* gb,
                     ConvThreading how) {
  const int64_t G = g.groups, O = g.out_channels, Og = g.group_out(), K = g.col_rows(), P = g.out_plane();
  const int64_t w_numel = O * K;
  const bool pointwise = g.is_pointwise();
  const int64_t chunks = pick_chunks(g, how);
  // Chunk 0 accumulates into gw itself, the others into partial sums added in
  // chunk order at the end, so the result does not depend on thread timing.
  std::vector<T> gw_partial(gw ? (chunks - 1) * w_numel : 0);
  std::vector<double> gb_partial(gb ? chunks * O : 0);
  if (gw) std::fill(gw, gw + w_numel, T(0));
  over_batch_chunks(g.batch, chunks, [&](int64_t chunk, int64_t n0, int64_t n1) {
    T* gw_acc = !gw ? nullptr : chunk == 0 ? gw : gw_partial.data() + (chunk - 1) * w_numel;
    double* gb_acc = gb ? gb_partial.data() + chunk * O : nullptr;
    std::vector<T> buf(pointwise || !(gw || gx) ? 0 : G * K * P);
    for (int64_t n = n0; n < n1; ++n) {
      const T* gyn = gy + n * g.out_image();
      if (gb_acc)
        for (int64_t o = 0; o < O; ++o) {
          double s = 0;
          for (int64_t p = 0; p < P; ++p) s += gyn[o * P + p];
          gb_acc[o] += s;
        }
      if (gw_acc) {
        const T* col = x + n * g.in_image();
        if (!pointwise) {
          im2col(g, col, buf.data());
          col = buf.data();
        }
        for (int64_t grp = 0; grp < G; ++grp)
          gemm_raw<T>(false, true, Og, K, P, T(1), gyn + grp * Og * P, P, col + grp * K * P, P, T(1),
                      gw_acc + grp * Og * K, K);
      }
      if (gx) {
        T* gxn = gx + n * g.in_image();
        T* dst = pointwise ? gxn : buf.data();
        for (int64_t grp = 0; grp < G; ++grp)
          gemm_raw<T>(true, false, K, P, Og, T(1), w + grp * Og * K, K, gyn + grp * Og * P, P, T(0), dst + grp * K * P,
                      P);
        if (!pointwise) col2im(g, buf.data(), gxn);
      }
    }
  });
  for (int64_t c = 1; c < chunks && gw; ++c) {
    const T* part = gw_partial.data() + (c - 1) * w_numel;
    for (int64_t i = 0; i < w_numel; ++i) gw[i] += part[i];
  }
  if (gb)
    for (int64_t o = 0; o < O; ++o) {
      double s = 0;
      for (int64_t c = 0; c < chunks; ++c) s += gb_partial[c * O + o];
      gb[o] = static_cast<T>(s);
    }
}

template void conv2d_forward<float>(const Conv2dGeometry&, const float*, const float*, const float*, float*,
                                    ConvThreading);
template void conv2d_forward<double>(const Conv2dGeometry&, const double*, const double*, const double*, double*,
                                     ConvThreading);
template void conv2d_backward<float>(const Conv2dGeometry&, const float*, const float*, const float*, float*, float*,
                                     float*, ConvThreading);
template void conv2d_backward<double>(const Conv2dGeometry&, const double*, const double*, const double*, double*,
                                      double*, double*, ConvThreading);

}  // namespace ag::kernels
