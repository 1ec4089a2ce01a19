// Transposed convolution through the conv2d kernels (see conv_transpose2d.h):
// forward is conv2d's input gradient (gemm Wᵀ·x then col2im), the input
// gradient is conv2d's forward, and the weight gradient is conv2d's weight
// gradient with the roles of input and output gradient swapped.
#include "kernels/conv_transpose2d.h"

#include "kernels/lane_sum.h"

namespace ag::kernels {

template <typename T>
void conv_transpose2d_forward(const Conv2dGeometry& adj, const T* x, const T* w, const T* bias, T* y) {
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
  if (gx) conv2d_forward<T>(adj, gy, w, nullptr, gx);
  if (gw) conv2d_backward<T>(adj, gy, nullptr, x, nullptr, gw, nullptr);
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
