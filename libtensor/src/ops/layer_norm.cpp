// layer_norm: normalises each row over the trailing normalized_shape dims in
// one fused pass, keeps each row's mean and 1/σ, and backs out analytically
// (kernels/norm.cpp): dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·w.
#include <vector>

#include "ag/nn/functional_conv.h"
#include "kernels/norm.h"
#include "ops/op_util.h"

namespace ag::nn::functional {

using namespace ops;

namespace {

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument("layer_norm: " + msg); }

void check_affine(const Tensor& t, const char* name, const Tensor& input, const Dims& shape) {
  if (!t.defined()) return;
  if (t.sizes() != shape)
    fail(std::string(name) + " should have normalized_shape " + to_string(shape) + ", got " + to_string(t.sizes()));
  if (t.dtype() != input.dtype())
    fail(std::string(name) + " must have the input's dtype " + dtype_name(input.dtype()) + ", got " +
         dtype_name(t.dtype()));
}

}  // namespace

Tensor layer_norm(const Tensor& input, const Dims& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_defined(input, "layer_norm");
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool trailing_match = k >= 1 && input.dim() >= k;
  for (int64_t i = 0; trailing_match && i < k; ++i)
    trailing_match = input.size(input.dim() - k + i) == normalized_shape[i];
  if (!trailing_match)
    fail("given normalized_shape=" + to_string(normalized_shape) + ", expected input with shape [*, " +
         to_string(normalized_shape).substr(1) + ", but got input of shape " + to_string(input.sizes()));
  if (!input.is_floating_point()) fail(std::string("expected a float32 or float64 input, got ") + dtype_name(input.dtype()));
  check_affine(weight, "weight", input, normalized_shape);
  check_affine(bias, "bias", input, normalized_shape);
  const int64_t D = numel_of(normalized_shape), rows = D ? input.numel() / D : 0;
  Tensor x = kernels::contiguous(input), w = weight.defined() ? kernels::contiguous(weight) : Tensor();
  Tensor b = bias.defined() ? kernels::contiguous(bias) : Tensor();
  Tensor out = detail::make_empty(input.sizes(), x.dtype());
  std::vector<double> mean(rows), rstd(rows);
  AG_DISPATCH_FLOATING(x.dtype(), "layer_norm", [&] {
    auto ptr = [](const Tensor& t) { return t.defined() ? t.data_ptr<scalar_t>() : nullptr; };
    kernels::layer_norm_forward<scalar_t>(rows, D, x.data_ptr<scalar_t>(), ptr(w), ptr(b), eps,
                                          out.data_ptr<scalar_t>(), mean.data(), rstd.data());
  });
  if (autograd::any_requires_grad({&input, &weight, &bias})) {
    record("NativeLayerNormBackward0", out, {&input, &weight, &bias},
           [sx = SavedTensor(x), sw = SavedTensor(w), rows, D, shape = normalized_shape, mean = std::move(mean),
            rstd = std::move(rstd)](const Tensor& grad, NeedsGrad n) -> TensorList {
             const char* name = "NativeLayerNormBackward0";
             const Tensor& xv = sx.unpack(name);
             const Tensor& wv = sw.unpack(name);
             Tensor dy = kernels::contiguous(grad), gx, gw, gb;
             if (n[0]) gx = detail::make_empty(xv.sizes(), dy.dtype());
             if (n[1]) gw = detail::make_empty(shape, dy.dtype());
             if (n[2]) gb = detail::make_empty(shape, dy.dtype());
             AG_DISPATCH_FLOATING(dy.dtype(), name, [&] {
               auto ptr = [](const Tensor& t) { return t.defined() ? t.data_ptr<scalar_t>() : nullptr; };
               kernels::layer_norm_backward<scalar_t>(rows, D, xv.data_ptr<scalar_t>(), dy.data_ptr<scalar_t>(),
                                                      ptr(wv), mean.data(), rstd.data(), ptr(gx), ptr(gw), ptr(gb));
             });
             return {gx, gw, gb};
           });
  }
  return out;
}

}  // namespace ag::nn::functional
