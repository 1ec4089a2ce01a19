// Pointwise activations of ag::nn::functional (leaky_relu, gelu) and dropout,
// each forward beside its backward rule. relu, sigmoid and tanh are the core ops.
#include <cmath>
#include <numbers>

#include "ag/generator.h"
#include "ag/nn/functional.h"
#include "kernels/vec_math.h"
#include "ops/op_util.h"

namespace ag::nn::functional {

using namespace ag::ops;

namespace {
const Tensor& check_floating(const Tensor& x, const char* op) {
  if (!check_defined(x, op).is_floating_point())
    throw std::invalid_argument(std::string(op) + ": needs a floating point tensor, got " + dtype_name(x.dtype()));
  return x;
}
}  // namespace

Tensor relu(const Tensor& input) { return ag::relu(input); }
Tensor sigmoid(const Tensor& input) { return ag::sigmoid(input); }
Tensor tanh(const Tensor& input) { return ag::tanh(input); }

Tensor leaky_relu(const Tensor& input, double slope) {
  check_floating(input, "leaky_relu");
  Tensor out = map_unary("leaky_relu", input, input.dtype(), [slope](auto x) {
    return x > 0 ? x : x * static_cast<decltype(x)>(slope);
  });
  if (autograd::any_requires_grad({&input}))
    record("LeakyReluBackward0", out, {&input}, [sx = SavedTensor(input), slope](const Tensor& g, NeedsGrad) -> TensorList {
      const Tensor& x = sx.unpack("LeakyReluBackward0");
      // x == 0 takes the slope, as PyTorch's leaky_relu_backward (x > 0 ? g : g·slope).
      return {map_binary("leaky_relu_backward", g, x, g.dtype(), g.dtype(), [slope](auto gv, auto xv) {
        return xv > 0 ? gv : gv * static_cast<decltype(gv)>(slope);
      })};
    });
  return out;
}

namespace {
// GELU's two forms and their derivatives, with PyTorch's constants.
template <typename T> T gelu_erf(T x) { return x * T(0.5) * (T(1) + std::erf(x * T(std::numbers::sqrt2 / 2))); }
template <typename T> T gelu_erf_grad(T x) {
  const T cdf = T(0.5) * (T(1) + std::erf(x * T(std::numbers::sqrt2 / 2)));
  const T pdf = T(std::numbers::inv_sqrtpi * std::numbers::sqrt2 / 2) * std::exp(x * x * T(-0.5));
  return cdf + x * pdf;
}
constexpr double kTanhBeta = std::numbers::sqrt2 * std::numbers::inv_sqrtpi;  // sqrt(2/π)
constexpr double kTanhKappa = 0.044715;
// 0.5·(1 + tanh(u)) is sigmoid(2u): the form whose float32 exp vectorises. Its
// derivative in u is 2·s·(1 − s), which is 0.5·(1 − tanh²(u)).
template <typename T> [[gnu::always_inline]] inline T gelu_tanh(T x) {
  const T inner = T(kTanhBeta) * (x + T(kTanhKappa) * x * x * x);
  return x * kernels::vec::sigmoid(T(2) * inner);
}
template <typename T> [[gnu::always_inline]] inline T gelu_tanh_grad(T x) {
  const T inner = T(kTanhBeta) * (x + T(kTanhKappa) * x * x * x);
  const T s = kernels::vec::sigmoid(T(2) * inner);
  const T d_inner = T(kTanhBeta) * (T(1) + T(3 * kTanhKappa) * x * x);
  return s + T(2) * x * s * (T(1) - s) * d_inner;
}
}  // namespace

Tensor gelu(const Tensor& input, std::string_view approximate) {
  check_floating(input, "gelu");
  bool use_tanh = approximate == "tanh";
  if (!use_tanh && approximate != "none")
    throw std::invalid_argument("gelu: approximate must be 'none' or 'tanh', got '" + std::string(approximate) + "'");
  Tensor out = use_tanh ? map_unary("gelu", input, input.dtype(), [](auto x) { return gelu_tanh(x); })
                        : map_unary("gelu", input, input.dtype(), [](auto x) { return gelu_erf(x); });
  if (autograd::any_requires_grad({&input}))
    record("GeluBackward0", out, {&input}, [sx = SavedTensor(input), use_tanh](const Tensor& g, NeedsGrad) -> TensorList {
      const Tensor& x = sx.unpack("GeluBackward0");
      if (use_tanh)
        return {map_binary("gelu_backward", g, x, g.dtype(), g.dtype(), [](auto gv, auto xv) { return gv * gelu_tanh_grad(xv); })};
      return {map_binary("gelu_backward", g, x, g.dtype(), g.dtype(), [](auto gv, auto xv) { return gv * gelu_erf_grad(xv); })};
    });
  return out;
}

Tensor dropout(const Tensor& input, double p, bool training) {
  check_floating(input, "dropout");
  if (!(p >= 0 && p <= 1))
    throw std::invalid_argument("dropout probability has to be between 0 and 1, but got " + std::to_string(p));
  if (!training || p == 0) return input;
  if (p == 1) return input * 0.0;  // as PyTorch: input times zero, so NaN stays NaN
  // The mask is PyTorch's default CPU bernoulli_(1 − p): one double uniform per element in
  // order, kept when u < 1 − p. PyTorch takes this path on AMD CPUs and in builds without
  // MKL; on Intel CPUs its MKL builds draw from MKL's own stream, which nothing can replay.
  Tensor mask = detail::make_empty(input.sizes(), input.dtype());
  Generator& gen = default_generator();
  const double keep = 1 - p;
  AG_DISPATCH_FLOATING(input.dtype(), "dropout", [&] {
    const scalar_t scale = scalar_t(1) / static_cast<scalar_t>(keep);
    scalar_t* m = mask.data_ptr<scalar_t>();
    for (int64_t i = 0, n = mask.numel(); i < n; ++i) m[i] = gen.uniform_double(0, 1) < keep ? scale : scalar_t(0);
  });
  Tensor out = map_binary("dropout", input, mask, input.dtype(), input.dtype(), [](auto x, auto k) { return x * k; });
  record("NativeDropoutBackward0", out, {&input}, [mask](const Tensor& g, NeedsGrad) -> TensorList {
    return {map_binary("dropout_backward", g, mask, g.dtype(), g.dtype(), [](auto gv, auto k) { return gv * k; })};
  });
  return out;
}

}  // namespace ag::nn::functional
