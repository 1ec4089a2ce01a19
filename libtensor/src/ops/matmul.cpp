// matmul for 1-D, 2-D and batched operands, and bmm. Every product goes to
// kernels::gemm, which hands transposed views to BLAS as flags; the backward
// products use a.t() / b.t() views for the same reason. Broadcast batch dims
// stay stride-0 views in both directions (kernels::batched_gemm).
#include "ops/op_util.h"

namespace ag {

using namespace ops;

namespace {

std::string shapes_msg(const Tensor& a, const Tensor& b) {
  return to_string(a.sizes()) + " and " + to_string(b.sizes());
}

// 2-D × 2-D without autograd.
Tensor mm_forward(const Tensor& a, const Tensor& b) {
  Tensor out = detail::make_empty({a.size(0), b.size(1)}, a.dtype());
  kernels::gemm(a, b, out);
  return out;
}

Tensor swap_last(const Tensor& t) { return t.transpose(-1, -2); }

Dims with_matrix(Dims batch, int64_t rows, int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

// Σ over broadcast batch dims of x[i] @ y[i], as a tensor of `shape` (an operand's shape):
// the products accumulate straight into the operand-shaped result instead of a
// broadcast-sized one summed afterwards.
Tensor batched_product_into(const Dims& shape, const Dims& batch, const Tensor& x, const Tensor& y) {
  const Dims full = with_matrix(batch, x.size(-2), y.size(-1));
  const bool summed = shape != full;
  Tensor r = detail::make_empty(shape, x.dtype());
  if (summed) kernels::fill(r, 0);
  kernels::batched_gemm(x, y, r.expand(full), summed ? 1 : 0);
  return r;
}

}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  check_defined(a_in, "matmul");
  check_defined(b_in, "matmul");
  if (a_in.dim() == 0 || b_in.dim() == 0)
    throw std::invalid_argument("matmul: both arguments need at least 1 dimension, got shapes " + shapes_msg(a_in, b_in));
  if (a_in.dtype() != b_in.dtype())
    throw std::invalid_argument(std::string("matmul: expected both operands to have the same dtype, got ") +
                                dtype_name(a_in.dtype()) + " and " + dtype_name(b_in.dtype()));
  // 1-D operands: promote to matrices, then drop the added dim at the end (NumPy's rule).
  bool a_vec = a_in.dim() == 1, b_vec = b_in.dim() == 1;
  Tensor a = a_vec ? a_in.unsqueeze(0) : a_in;
  Tensor b = b_vec ? b_in.unsqueeze(1) : b_in;
  int64_t k = a.size(-1);
  if (k != b.size(-2))
    throw std::invalid_argument("matmul: shapes " + shapes_msg(a_in, b_in) + " cannot be multiplied (" +
                                std::to_string(a.size(-2)) + "x" + std::to_string(k) + " and " +
                                std::to_string(b.size(-2)) + "x" + std::to_string(b.size(-1)) + ")");
  Tensor out;
  if (a.dim() == 2 && b.dim() == 2) {
    out = mm_forward(a, b);
    if (autograd::any_requires_grad({&a, &b}))
      record("MmBackward0", out, {&a, &b},
             [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor& g, NeedsGrad n) -> TensorList {
               Tensor ga, gb;
               if (n[0]) ga = mm_forward(g, sb.unpack("MmBackward0").t());
               if (n[1]) gb = mm_forward(sa.unpack("MmBackward0").t(), g);
               return {ga, gb};
             });
  } else if (b.dim() == 2 && a.is_contiguous()) {
    // (..., n, k) @ (k, m): one gemm over the folded leading dims, as Linear on N,*,H inputs needs.
    Dims out_shape = a.sizes();
    out_shape[out_shape.size() - 1] = b.size(1);
    Tensor flat = a.reshape({-1, k});
    out = mm_forward(flat, b).view(out_shape);
    if (autograd::any_requires_grad({&a, &b}))
      record("MmBackward0", out, {&a, &b},
             [sa = SavedTensor(a), sb = SavedTensor(b), k](const Tensor& g, NeedsGrad n) -> TensorList {
               Tensor g2 = kernels::contiguous(g).reshape({-1, g.size(-1)});
               const Tensor& av = sa.unpack("MmBackward0");
               Tensor ga, gb;
               if (n[0]) ga = mm_forward(g2, sb.unpack("MmBackward0").t()).view(av.sizes());
               if (n[1]) gb = mm_forward(av.reshape({-1, k}).t(), g2);
               return {ga, gb};
             });
  } else {
    // Batched: broadcast the batch dims as stride-0 views, one gemm per matrix.
    Dims ba(a.sizes().begin(), a.sizes().end() - 2), bb(b.sizes().begin(), b.sizes().end() - 2);
    Dims batch = broadcast_shapes(ba, bb, "matmul");
    out = detail::make_empty(with_matrix(batch, a.size(-2), b.size(-1)), a.dtype());
    kernels::batched_gemm(a.detach().expand(with_matrix(batch, a.size(-2), k)),
                          b.detach().expand(with_matrix(batch, k, b.size(-1))), out);
    if (autograd::any_requires_grad({&a, &b}))
      record("BmmBackward0", out, {&a, &b},
             [sa = SavedTensor(a), sb = SavedTensor(b), batch](const Tensor& g, NeedsGrad n) -> TensorList {
               const Tensor &av = sa.unpack("BmmBackward0"), &bv = sb.unpack("BmmBackward0");
               Tensor ae = av.expand(with_matrix(batch, av.size(-2), av.size(-1)));
               Tensor be = bv.expand(with_matrix(batch, bv.size(-2), bv.size(-1)));
               Tensor ga, gb;
               if (n[0]) ga = batched_product_into(av.sizes(), batch, g, swap_last(be));
               if (n[1]) gb = batched_product_into(bv.sizes(), batch, swap_last(ae), g);
               return {ga, gb};
             });
  }
  if (a_vec) out = out.squeeze(-2);
  if (b_vec) out = out.squeeze(-1);
  return out;
}

Tensor Tensor::matmul(const Tensor& o) const { return ag::matmul(*this, o); }

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_defined(a, "bmm");
  check_defined(b, "bmm");
  if (a.dim() != 3 || b.dim() != 3)
    throw std::invalid_argument("bmm: expected two 3-D tensors [batch, n, m] and [batch, m, p], got shapes " +
                                shapes_msg(a, b));
  if (a.size(0) != b.size(0))
    throw std::invalid_argument("bmm: batch sizes differ (no broadcasting in bmm; matmul broadcasts), shapes " +
                                shapes_msg(a, b));
  return matmul(a, b);
}

Tensor Tensor::bmm(const Tensor& o) const { return ag::bmm(*this, o); }

}  // namespace ag
