// The finiteness test: v*0 is 0 for finite v and NaN for inf or NaN, so the sum
// of v*0 over a buffer is 0 exactly when every element is finite. Summed in
// sixteen lanes of the element type it is one vectorised pass, with no branch.
#pragma once
#include <cstdint>

#include "ag/tensor.h"
#include "kernels/lane_sum.h"

namespace ag::kernels {

template <typename T>
bool all_finite(const T* p, int64_t n) {
  return lane_sum<16, T>(n, [p](int64_t i) { return p[i] * T(0); }) == T(0);
}

/// Every element of `t` finite; integer and bool tensors always are.
bool all_finite(const Tensor& t);

}  // namespace ag::kernels
