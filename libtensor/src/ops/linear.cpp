// The fused linear op y = x·Wᵀ + b. Shapes: x (M, in) after folding the leading
// dims, W (out, in), b (out), y (M, out). Forward is one gemm with W passed as a
// transposed view (a BLAS flag, no copy) and beta = 1 over an output whose rows
// were preloaded with the bias. Backward: dx = g·W, dW = gᵀ·x (gᵀ again a
// flag), db = column sums of g.
#include "ag/nn/functional.h"
#include "ops/op_util.h"

namespace ag::nn::functional {

using namespace ag::ops;

namespace {

void check_linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  check_defined(x, "linear");
  check_defined(w, "linear");
  if (w.dim() != 2)
    throw std::invalid_argument("linear: weight must be 2-D (out_features, in_features), got shape " +
                                to_string(w.sizes()));
  if (x.dim() == 0) throw std::invalid_argument("linear: input must have at least 1 dimension, got a 0-d tensor");
  if (!x.is_floating_point() || x.dtype() != w.dtype())
    throw std::invalid_argument(std::string("linear: input and weight must have the same floating point dtype, got ") +
                                dtype_name(x.dtype()) + " and " + dtype_name(w.dtype()));
  if (x.size(-1) != w.size(1))
    throw std::invalid_argument("linear: input of shape " + to_string(x.sizes()) + " and weight of shape " +
                                to_string(w.sizes()) + " cannot be multiplied (input's last dim " +
                                std::to_string(x.size(-1)) + " != in_features " + std::to_string(w.size(1)) + ")");
  if (b.defined() && (b.dim() != 1 || b.size(0) != w.size(0) || b.dtype() != w.dtype()))
    throw std::invalid_argument("linear: bias must be a " + std::string(dtype_name(w.dtype())) + " vector of size " +
                                std::to_string(w.size(0)) + ", got " + dtype_name(b.dtype()) + " of shape " +
                                to_string(b.sizes()));
}

}  // namespace

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  check_linear(input, weight, bias);
  const int64_t in_f = weight.size(1), out_f = weight.size(0);
  const int64_t rows = in_f ? input.numel() / in_f : numel_of(Dims(input.sizes().begin(), input.sizes().end() - 1));
  Dims out_shape = input.sizes();
  out_shape[out_shape.size() - 1] = out_f;
  // 2-D inputs go to BLAS as they are (a transposed view becomes a flag); others fold into rows.
  Tensor x2 = input.dim() == 2 ? input.detach() : input.detach().reshape({rows, in_f});
  Tensor y = detail::make_empty({rows, out_f}, input.dtype());
  if (bias.defined()) kernels::copy_into(y, bias);
  kernels::gemm(x2, weight.detach().t(), y, 1, bias.defined() ? 1 : 0);
  Tensor out = input.dim() == 2 ? y : y.view(out_shape);
  if (autograd::any_requires_grad({&input, &weight, &bias})) {
    Dims in_shape = input.sizes();
    record("LinearBackward0", out, {&input, &weight, &bias},
           [sx = SavedTensor(input), sw = SavedTensor(weight), in_shape, rows, in_f, out_f](const Tensor& g,
                                                                                           NeedsGrad n) -> TensorList {
             Tensor g2 = g.dim() == 2 ? g : kernels::contiguous(g).view({rows, out_f});
             Tensor gx, gw, gb;
             if (n[0]) {
               gx = detail::make_empty({rows, in_f}, g.dtype());
               kernels::gemm(g2, sw.unpack("LinearBackward0"), gx);
               if (in_shape.size() != 2) gx = gx.view(in_shape);
             }
             if (n[1]) {
               const Tensor& x = sx.unpack("LinearBackward0");
               gw = detail::make_empty({out_f, in_f}, g.dtype());
               kernels::gemm(g2.t(), x.dim() == 2 ? x : x.reshape({rows, in_f}), gw);
             }
             if (n[2]) gb = kernels::reduce(kernels::contiguous(g2), {0}, false, kernels::ReduceOp::Sum);
             return {gx, gw, gb};
           });
  }
  return out;
}

}  // namespace ag::nn::functional
