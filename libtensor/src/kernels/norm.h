// Normalisation loops on raw contiguous buffers: per-channel statistics and
// transforms for batch norm ([N, C, S] with S = H·W...), per-row ones for layer norm ([rows, D]).
// Statistics and reductions accumulate in double, as PyTorch's CPU kernels do for float.
#pragma once
#include <cstdint>

namespace ag::kernels {

/// Batch norm's view of its input: [batch, channels, spatial] with spatial = product of dims after 1.
struct ChannelLayout {
  int64_t batch, channels, spatial;
  /// Elements per channel.
  int64_t count() const { return batch * spatial; }
};

/// Mean and biased variance (two passes) of every channel.
template <typename T>
void channel_mean_var(const ChannelLayout& s, const T* x, double* mean, double* var);

/// Σ dy and Σ dy·(x − mean[c]) of every channel.
template <typename T>
void channel_grad_sums(const ChannelLayout& s, const T* x, const T* dy, const double* mean, double* sum_dy,
                       double* sum_dy_xmu);

/// out = u·a[c] + v·b[c] + k[c] for every element of channel c (v may be null: no v term).
/// Batch norm's forward is x·scale + shift; its backward dy·a + x·b + k (see ops/batch_norm.cpp).
template <typename T>
void channel_affine(const ChannelLayout& s, const T* u, const double* a, const T* v, const double* b, const double* k,
                    T* out);

/// Layer norm over the last D elements of each row: y = (x − mean)·rstd·w + b (w, b may be null);
/// mean and rstd (one per row) are kept for backward.
template <typename T>
void layer_norm_forward(int64_t rows, int64_t D, const T* x, const T* w, const T* b, double eps, T* y, double* mean,
                        double* rstd);

/// Layer norm's backward: any of dx, dw, db may be null when not wanted.
template <typename T>
void layer_norm_backward(int64_t rows, int64_t D, const T* x, const T* dy, const T* w, const double* mean,
                         const double* rstd, T* dx, T* dw, T* db);

}  // namespace ag::kernels
