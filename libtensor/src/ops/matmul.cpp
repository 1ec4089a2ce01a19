// matmul for 1-D, 2-D and batched operands. Every product goes to
// kernels::gemm, which hands transposed views to BLAS as flags; the backward
// products use a.t() / b.t() views for the same reason.
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
    // Batched: broadcast the batch dims, one gemm per matrix.
    Dims ba(a.sizes().begin(), a.sizes().end() - 2), bb(b.sizes().begin(), b.sizes().end() - 2);
    Dims batch = broadcast_shapes(ba, bb, "matmul");
    Dims ea = batch, eb = batch;
    ea.push_back(a.size(-2)); ea.push_back(k);
    eb.push_back(k); eb.push_back(b.size(-1));
    Tensor xa = a.detach().expand(ea).reshape({-1, a.size(-2), k});
    Tensor xb = b.detach().expand(eb).reshape({-1, k, b.size(-1)});
    int64_t nb = xa.size(0);
    Dims out_shape = batch;
    out_shape.push_back(a.size(-2));
    out_shape.push_back(b.size(-1));
    Tensor o3 = detail::make_empty({nb, a.size(-2), b.size(-1)}, a.dtype());
    for (int64_t i = 0; i < nb; ++i) kernels::gemm(xa.select(0, i), xb.select(0, i), o3.select(0, i));
    out = o3.view(out_shape);
    if (autograd::any_requires_grad({&a, &b})) {
      Dims sa_shape = a.sizes(), sb_shape = b.sizes();
      record("BmmBackward0", out, {&a, &b},
             [sa = SavedTensor(a), sb = SavedTensor(b), sa_shape, sb_shape](const Tensor& g, NeedsGrad n) -> TensorList {
               Tensor ga, gb;
               if (n[0]) ga = kernels::sum_to(matmul(g, swap_last(sb.unpack("BmmBackward0"))), sa_shape);
               if (n[1]) gb = kernels::sum_to(matmul(swap_last(sa.unpack("BmmBackward0")), g), sb_shape);
               return {ga, gb};
             });
    }
  }
  if (a_vec) out = out.squeeze(-2);
  if (b_vec) out = out.squeeze(-1);
  return out;
}

Tensor Tensor::matmul(const Tensor& o) const { return ag::matmul(*this, o); }

}  // namespace ag
