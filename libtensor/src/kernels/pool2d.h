// Max and average pooling on raw buffers of planes [planes, H, W] (planes = N·C).
#pragma once
#include <cstdint>

namespace ag::kernels {

/// One pooling call: every plane [in_h, in_w] becomes [out_h, out_w].
struct Pool2dGeometry {
  int64_t planes, in_h, in_w, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
};

/// y = max over each window; argmax = flat index h·in_w + w of the winner inside its plane.
/// Padding never wins; a NaN does (PyTorch).
template <typename T>
void max_pool2d_forward(const Pool2dGeometry& g, const T* x, T* y, int64_t* argmax);

/// gx = 0, then each gy goes to the input pixel its window picked.
template <typename T>
void max_pool2d_backward(const Pool2dGeometry& g, const T* gy, const int64_t* argmax, T* gx);

/// What an average window divides by.
struct AvgDivisor {
  bool count_include_pad = true;
  int64_t override_value = 0;  // used when non-zero
};

template <typename T>
void avg_pool2d_forward(const Pool2dGeometry& g, AvgDivisor d, const T* x, T* y);

/// gx = 0, then each gy / divisor is added to every input pixel of its window.
template <typename T>
void avg_pool2d_backward(const Pool2dGeometry& g, AvgDivisor d, const T* gy, T* gx);

}  // namespace ag::kernels
