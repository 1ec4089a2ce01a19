// Kernels: loops and BLAS calls on tensors' memory. No autograd here.
#pragma once
#include <cstdint>

#include "ag/tensor.h"

namespace ag::kernels {

/// dst[...] = src[...] with broadcasting of src to dst's shape and dtype conversion.
void copy_into(const Tensor& dst, const Tensor& src);
/// A contiguous copy (or `t` itself when already contiguous and `force` is false).
Tensor contiguous(const Tensor& t, bool force = false);
/// Converts to `dtype` (returns `t` when it already has it).
Tensor convert(const Tensor& t, ScalarType dtype);
/// Fills every element with v.
void fill(const Tensor& t, double v);

enum class ReduceOp { Sum, Mean, Max, Min, ArgMax, ArgMin };
/// Reduces `t` over `dims` (all when empty). Output dtype: input dtype, int64 for arg*,
/// int64 for Sum of Bool.
Tensor reduce(const Tensor& t, const Dims& dims, bool keepdim, ReduceOp op);
/// Reduces a broadcast gradient back to `shape` (sum over the broadcast dims).
Tensor sum_to(const Tensor& t, const Dims& shape);

/// C = alpha * op(A) @ op(B) + beta * C for 2-D operands. A and B may be row-major
/// or transposed views (passed to BLAS with transpose flags); others are copied first.
void gemm(const Tensor& a, const Tensor& b, const Tensor& c, double alpha = 1, double beta = 0);
/// c[i] = a[i] @ b[i] + beta * c[i] for every batch index i of c ([*batch, m, n]); a and b are
/// [*batch, m, k] and [*batch, k, n] views whose batch strides may be 0 (broadcast, never
/// copied). A c with broadcast batch dims accumulates the products it is shared by, one after
/// another (beta = 1 onto zeros gives their sum).
void batched_gemm(const Tensor& a, const Tensor& b, const Tensor& c, double beta = 0);

}  // namespace ag::kernels
