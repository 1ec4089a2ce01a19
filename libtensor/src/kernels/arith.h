// Arithmetic kernels used below the ops layer.
#pragma once
#include "kernels/kernels.h"

namespace ag::kernels {
/// dst += alpha * src (src broadcast to dst, converted to dst's dtype).
void add_into(const Tensor& dst, const Tensor& src, double alpha = 1);
/// a + b with broadcasting and type promotion, as a new tensor.
Tensor add(const Tensor& a, const Tensor& b);
}  // namespace ag::kernels
