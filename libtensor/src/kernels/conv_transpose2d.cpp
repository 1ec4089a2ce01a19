// Transposed convolution through the conv2d kernels (see conv_transpose2d.h):
// forward is conv2d's input gradient (gemm Wᵀ·x then col2im), the input
// gradient is conv2d's forward, and the weight gradient is conv2d's weight
// gradient with the roles of input and output gradient swapped.
//
// Note [One-pixel inputs]: the conv2d kernels make one product per image, which
// for a 1×1 input (a generator's noise vector z [N, C, 1, 1]) is a matrix-vector
// product that reads the whole weight once per image. Then every image's column
// matrix is a single column, so the batch's columns form one matrix [N, G·K] and
// each pass is one gemm over the batch. When the kernel exactly covers the output
// (no padding, dilation or output padding) the columns are the output images
// themselves and no col2im/im2col is needed.
#include "kernels/conv_transpose2d.h"

#include <algorithm>
#include <vector>

#include "kernels/blas_call.h"
#include "kernels/lane_sum.h"

namespace ag::kernels {

namespace {

bool one_pixel_input(const Conv2dGeometry& adj) { return adj.out_h == 1 && adj.out_w == 1; }

// One-pixel input and each output image equals its column: tap (i, j) lands on pixel (i, j).
bool columns_are_images(const Conv2dGeometry& adj) {
  return one_pixel_input(adj) && adj.pad_h == 0 && adj.pad_w == 0 && (adj.dil_h == 1 || adj.kernel_h == 1) &&
         (adj.dil_w == 1 || adj.kernel_w == 1) && adj.in_h == adj.kernel_h && adj.in_w == adj.kernel_w;
}

// Note [One-pixel inputs]: cols [N, G·K] = per group x[:, group] · W[group] (W[group] is [Cg, K]).
template <typename T>
void one_pixel_forward(const Conv2dGeometry& adj, const T* x, const T* w, T* y) {
  const int64_t N = adj.batch, G = adj.groups, Cg = adj.group_out(), K = adj.col_rows(), C = adj.out_channels;
  const bool direct = columns_are_images(adj);
  std::vector<T> cols(direct ? 0 : N * G * K);
  T* c = direct ? y : cols.data();
  for (int64_t grp = 0; grp < G; ++grp)
    gemm_raw<T>(false, false, N, K, Cg, T(1), x + grp * Cg, C, w + grp * Cg * K, K, T(0), c + grp * K, G * K);
  if (!direct)
    for (int64_t n = 0; n < N; ++n) col2im(adj, cols.data() + n * G * K, y + n * adj.in_image());
}

template <typename T>
void one_pixel_backward(const Conv2dGeometry& adj, const T* x, const T* w, const T* gy, T* gx, T* gw) {
  const int64_t N = adj.batch, G = adj.groups, Cg = adj.group_out(), K = adj.col_rows(), C = adj.out_channels;
  std::vector<T> cols;
  const T* c = gy;
  if (!columns_are_images(adj)) {
    cols.assign(N * G * K, T(0));  // zero padding entries, which im2col leaves alone (conv2d.h)
    for (int64_t n = 0; n < N; ++n) im2col(adj, gy + n * adj.in_image(), cols.data() + n * G * K);
    c = cols.data();
  }
  for (int64_t grp = 0; grp < G; ++grp) {
    if (gx) gemm_raw<T>(false, true, N, Cg, K, T(1), c + grp * K, G * K, w + grp * Cg * K, K, T(0), gx + grp * Cg, C);
    if (gw) {
      std::fill(gw + grp * Cg * K, gw + (grp + 1) * Cg * K, T(0));  // a gemm over an empty batch leaves it alone
      gemm_raw<T>(true, false, Cg, K, N, T(1), x + grp * Cg, C, c + grp * K, G * K, T(1), gw + grp * Cg * K, K);
    }
  }
}

}  // namespace

template <typename T>
void conv_transpose2d_forward(const Conv2dGeometry& adj, const T* x, const T* w, const T* bias, T* y) {
  if (one_pixel_input(adj))
    one_pixel_forward<T>(adj, x, w, y);
  else
    conv2d_backward<T>(adj, nullptr, w, x, y, nullptr, nullptr);
  if (!bias) return;
  const int64_t C = adj.in_channels, P = adj.in_h * adj.in_w;
  for (int64_t n = 0; n < adj.batch; ++n)
    for (int64_t c = 0; c < C; ++c) {
      T* plane = y + (n * C + c) * P;
      const T b = bias[c];
      for (int64_t p = 0; p < P; ++p) plane[p] += b;
    }
}

template <typename T>
void conv_transpose2d_backward(const Conv2dGeometry& adj, const T* x, const T* w, const T* gy, T* gx, T* gw, T* gb) {
  if (one_pixel_input(adj)) {
    one_pixel_backward<T>(adj, x, w, gy, gx, gw);
  } else {
    if (gx) conv2d_forward<T>(adj, gy, w, nullptr, gx);
    if (gw) conv2d_backward<T>(adj, gy, nullptr, x, nullptr, gw, nullptr);
  }
  if (!gb) return;
  const int64_t C = adj.in_channels, P = adj.in_h * adj.in_w;
  for (int64_t c = 0; c < C; ++c) {
    double sum = 0;
    for (int64_t n = 0; n < adj.batch; ++n)
      sum += lane_sum(P, [plane = gy + (n * C + c) * P](int64_t p) { return plane[p]; });
    gb[c] = static_cast<T>(sum);
  }
}

template void conv_transpose2d_forward<float>(const Conv2dGeometry&, const float*, const float*, const float*, float*);
template void conv_transpose2d_forward<double>(const Conv2dGeometry&, const double*, const double*, const double*,
                                               double*);
template void conv_transpose2d_backward<float>(const Conv2dGeometry&, const float*, const float*, const float*, float*,
                                               float*, float*);
template void conv_transpose2d_backward<double>(const Conv2dGeometry&, const double*, const double*, const double*,
                                                double*, double*, double*);

}  // namespace ag::kernels
