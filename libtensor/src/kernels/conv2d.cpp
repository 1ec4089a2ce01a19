// Convolution as BLAS products, one image at a time: im2col lowers the image,
// then each group is one gemm. Forward: y[n] = W · col(x[n]). Backward:
// dW = Σₙ dy[n] · col(x[n])ᵀ, dx[n] = col2im(Wᵀ · dy[n]), db = Σ dy.
//
// Note [Conv threading]: the products of a small layer are too small for
// OpenBLAS to split well, so by default the batch is cut into blocks of
// images, the pool's threads take blocks one after another, and each calls
// single-threaded BLAS; an image's column matrix is then still in that core's
// cache when its gemm reads it. Taking blocks from a counter (rather than one
// fixed share per thread) keeps both cores busy when one of them is slowed by
// other work. dW and db are summed per block and the blocks added in order, so
// results do not depend on which thread ran which block.
#include "kernels/conv2d.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "ag/runtime.h"
#include "kernels/blas_call.h"
#include "kernels/lane_sum.h"
#include "kernels/parallel.h"

namespace ag::kernels {

namespace {

// How the batch is cut: `count` blocks of consecutive images, run in parallel or not.
struct BatchBlocks {
  int64_t count = 1;
  bool parallel = false;
  int64_t begin(int64_t b, int64_t batch) const { return batch * b / count; }
};

BatchBlocks plan_blocks(const Conv2dGeometry& g, ConvThreading how) {
  const int64_t threads = get_num_threads();
  if (how == ConvThreading::kInsideBlas || threads < 2 || g.batch < 2) return {};
  if (how == ConvThreading::kAuto && g.batch < threads) return {};
  // Four blocks per thread: small enough to even out a slowed core, few enough to keep gemms and partial sums cheap.
  return {std::min(g.batch, 4 * threads), true};
}

// Per-thread column buffers. Zero-filled when first sized: im2col leaves the padding entries alone (conv2d.h),
// so a buffer that only im2col writes keeps them zero.
template <typename T>
struct Scratch {
  std::vector<T> col, gcol;
};

// Calls body(scratch, block, first_image, end_image) for every block, on the pool's threads
// (single-threaded BLAS inside) when the plan says so.
template <typename T, typename F>
void for_blocks(const BatchBlocks& plan, int64_t batch, F&& body) {
  if (!plan.parallel) {
    Scratch<T> scratch;
    for (int64_t b = 0; b < plan.count; ++b) body(scratch, b, plan.begin(b, batch), plan.begin(b + 1, batch));
    return;
  }
  BlasSingleThreaded serial_blas;
  std::atomic<int64_t> next{0};
  parallel_for(get_num_threads(), 1, [&](int64_t, int64_t) {
    Scratch<T> scratch;
    for (int64_t b; (b = next.fetch_add(1)) < plan.count;) body(scratch, b, plan.begin(b, batch), plan.begin(b + 1, batch));
  });
}

template <typename T>
const T* lowered(const Conv2dGeometry& g, const T* image, std::vector<T>& buf) {
  if (g.is_pointwise()) return image;
  if (buf.empty()) buf.resize(g.groups * g.col_rows() * g.out_plane());
  im2col(g, image, buf.data());
  return buf.data();
}

}  // namespace

template <typename T>
void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, const T* bias, T* y, ConvThreading how) {
  const int64_t G = g.groups, Og = g.group_out(), K = g.col_rows(), P = g.out_plane();
  for_blocks<T>(plan_blocks(g, how), g.batch, [&](Scratch<T>& s, int64_t, int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      const T* col = lowered(g, x + n * g.in_image(), s.col);
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
  const BatchBlocks plan = plan_blocks(g, how);
  // Block 0 sums into gw itself, the others into their own partial sums.
  std::vector<T> gw_partial(gw ? (plan.count - 1) * w_numel : 0);
  std::vector<double> gb_partial(gb ? plan.count * O : 0);
  if (gw) std::fill(gw, gw + w_numel, T(0));
  for_blocks<T>(plan, g.batch, [&](Scratch<T>& s, int64_t block, int64_t n0, int64_t n1) {
    T* gw_acc = !gw ? nullptr : block == 0 ? gw : gw_partial.data() + (block - 1) * w_numel;
    double* gb_acc = gb ? gb_partial.data() + block * O : nullptr;
    for (int64_t n = n0; n < n1; ++n) {
      const T* gyn = gy + n * g.out_image();
      if (gb_acc)
        for (int64_t o = 0; o < O; ++o) gb_acc[o] += lane_sum(P, [row = gyn + o * P](int64_t p) { return row[p]; });
      if (gw_acc) {
        const T* col = lowered(g, x + n * g.in_image(), s.col);
        for (int64_t grp = 0; grp < G; ++grp)
          gemm_raw<T>(false, true, Og, K, P, T(1), gyn + grp * Og * P, P, col + grp * K * P, P, T(1),
                      gw_acc + grp * Og * K, K);
      }
      if (gx) {
        // A buffer of its own: the gemm overwrites every entry, padding included (see Scratch).
        T* gxn = gx + n * g.in_image();
        if (!pointwise && s.gcol.empty()) s.gcol.resize(G * K * P);
        T* dst = pointwise ? gxn : s.gcol.data();
        for (int64_t grp = 0; grp < G; ++grp)
          gemm_raw<T>(true, false, K, P, Og, T(1), w + grp * Og * K, K, gyn + grp * Og * P, P, T(0), dst + grp * K * P,
                      P);
        if (!pointwise) col2im(g, s.gcol.data(), gxn);
      }
    }
  });
  for (int64_t b = 1; b < plan.count && gw; ++b) {
    const T* part = gw_partial.data() + (b - 1) * w_numel;
    for (int64_t i = 0; i < w_numel; ++i) gw[i] += part[i];
  }
  if (gb)
    for (int64_t o = 0; o < O; ++o) {
      double sum = 0;
      for (int64_t b = 0; b < plan.count; ++b) sum += gb_partial[b * O + o];
      gb[o] = static_cast<T>(sum);
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
