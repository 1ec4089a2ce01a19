// Unary elementwise ops and tensor-scalar arithmetic, each with its backward rule.
#include <cmath>

#include "kernels/vec_math.h"
#include "ops/op_util.h"

namespace ag {

using namespace ops;

// ---- tensor ⊕ scalar
Tensor add(const Tensor& a, double s) {
  ScalarType t = scalar_result_type(check_defined(a, "add"), s);
  Tensor out = map_unary("add", a, t, [s](auto x) { return x + static_cast<decltype(x)>(s); });
  record("AddBackward0", out, {&a}, [](const Tensor& g, NeedsGrad) -> TensorList { return {g}; });
  return out;
}

Tensor mul(const Tensor& a, double s) {
  ScalarType t = scalar_result_type(check_defined(a, "mul"), s);
  Tensor out = map_unary("mul", a, t, [s](auto x) { return x * static_cast<decltype(x)>(s); });
  record("MulBackward0", out, {&a}, [s](const Tensor& g, NeedsGrad) -> TensorList { return {g * s}; });
  return out;
}

Tensor rsub(const Tensor& a, double s) {
  ScalarType t = scalar_result_type(check_defined(a, "rsub"), s);
  Tensor out = map_unary("rsub", a, t, [s](auto x) { return static_cast<decltype(x)>(s) - x; });
  record("RsubBackward1", out, {&a}, [](const Tensor& g, NeedsGrad) -> TensorList { return {-g}; });
  return out;
}

Tensor rdiv(const Tensor& a, double s) {
  ScalarType t = float_type(check_defined(a, "div"));
  Tensor out = map_unary("div", a, t, [s](auto x) { return static_cast<decltype(x)>(s) / x; });
  if (autograd::any_requires_grad({&a})) {
    record("ReciprocalBackward0", out, {&a}, [sva = SavedTensor(a), s](const Tensor& g, NeedsGrad) -> TensorList {
      const Tensor& x = sva.unpack("ReciprocalBackward0");
      return {-g * s / (x * x)};
    });
  }
  return out;
}

Tensor operator+(const Tensor& a, double s) { return add(a, s); }
Tensor operator+(double s, const Tensor& a) { return add(a, s); }
Tensor operator-(const Tensor& a, double s) { return add(a, -s); }
Tensor operator-(double s, const Tensor& a) { return rsub(a, s); }
Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
Tensor operator/(const Tensor& a, double s) {
  ScalarType t = float_type(check_defined(a, "div"));
  Tensor out = map_unary("div", a, t, [s](auto x) { return x / static_cast<decltype(x)>(s); });
  record("DivBackward0", out, {&a}, [s](const Tensor& g, NeedsGrad) -> TensorList { return {g / s}; });
  return out;
}
Tensor operator/(double s, const Tensor& a) { return rdiv(a, s); }
Tensor operator-(const Tensor& a) { return neg(a); }

// ---- unary math
Tensor neg(const Tensor& a) {
  if (check_defined(a, "neg").dtype() == kBool) throw std::invalid_argument("neg: negation of a bool tensor is not supported");
  Tensor out = map_unary("neg", a, a.dtype(), [](auto x) { return -x; });
  record("NegBackward0", out, {&a}, [](const Tensor& g, NeedsGrad) -> TensorList { return {-g}; });
  return out;
}

Tensor exp(const Tensor& a) {
  Tensor out = map_unary("exp", a, float_type(check_defined(a, "exp")), [](auto x) { return kernels::vec::exp(x); });
  if (autograd::any_requires_grad({&a}))
    record("ExpBackward0", out, {&a}, [svo = SavedTensor(out)](const Tensor& g, NeedsGrad) -> TensorList {
      return {g * svo.unpack("ExpBackward0")};
    });
  return out;
}

Tensor log(const Tensor& a) {
  Tensor out = map_unary("log", a, float_type(check_defined(a, "log")), [](auto x) { return std::log(x); });
  if (autograd::any_requires_grad({&a}))
    record("LogBackward0", out, {&a}, [sva = SavedTensor(a)](const Tensor& g, NeedsGrad) -> TensorList {
      return {g / sva.unpack("LogBackward0")};
    });
  return out;
}

Tensor sqrt(const Tensor& a) {
  Tensor out = map_unary("sqrt", a, float_type(check_defined(a, "sqrt")), [](auto x) { return std::sqrt(x); });
  if (autograd::any_requires_grad({&a}))
    record("SqrtBackward0", out, {&a}, [svo = SavedTensor(out)](const Tensor& g, NeedsGrad) -> TensorList {
      return {g / (2.0 * svo.unpack("SqrtBackward0"))};
    });
  return out;
}

Tensor abs(const Tensor& a) {
  Tensor out = map_unary("abs", a, check_defined(a, "abs").dtype(), [](auto x) { return x < 0 ? -x : x; });
  if (autograd::any_requires_grad({&a}))
    record("AbsBackward0", out, {&a}, [sva = SavedTensor(a)](const Tensor& g, NeedsGrad) -> TensorList {
      const Tensor& x = sva.unpack("AbsBackward0");
      Tensor sign = map_unary("sgn", x, x.dtype(), [](auto v) { return (v > 0) - (v < 0); });
      return {g * sign};
    });
  return out;
}

Tensor pow(const Tensor& a, double e) {
  ScalarType t = scalar_result_type(check_defined(a, "pow"), e);
  Tensor out;
  if (e == 2) out = map_unary("pow", a, t, [](auto x) { return x * x; });
  else out = map_unary("pow", a, t, [e](auto x) { return std::pow(x, static_cast<decltype(x)>(e)); });
  if (autograd::any_requires_grad({&a}))
    record("PowBackward0", out, {&a}, [sva = SavedTensor(a), e](const Tensor& g, NeedsGrad) -> TensorList {
      if (e == 0) return {zeros_like(g)};
      const Tensor& x = sva.unpack("PowBackward0");
      return {g * (e * pow(x, e - 1))};
    });
  return out;
}

Tensor tanh(const Tensor& a) {
  Tensor out = map_unary("tanh", a, float_type(check_defined(a, "tanh")), [](auto x) { return kernels::vec::tanh(x); });
  if (autograd::any_requires_grad({&a}))
    record("TanhBackward0", out, {&a}, [svo = SavedTensor(out)](const Tensor& g, NeedsGrad) -> TensorList {
      const Tensor& y = svo.unpack("TanhBackward0");
      return {map_binary("tanh_backward", g, y, g.dtype(), g.dtype(), [](auto gv, auto yv) {
        return gv * (decltype(gv)(1) - yv * yv);
      })};
    });
  return out;
}

Tensor sigmoid(const Tensor& a) {
  Tensor out = map_unary("sigmoid", a, float_type(check_defined(a, "sigmoid")),
                         [](auto x) { return kernels::vec::sigmoid(x); });
  if (autograd::any_requires_grad({&a}))
    record("SigmoidBackward0", out, {&a}, [svo = SavedTensor(out)](const Tensor& g, NeedsGrad) -> TensorList {
      const Tensor& y = svo.unpack("SigmoidBackward0");
      return {map_binary("sigmoid_backward", g, y, g.dtype(), g.dtype(), [](auto gv, auto yv) {
        return gv * (decltype(gv)(1) - yv) * yv;
      })};
    });
  return out;
}

Tensor relu(const Tensor& a) {
  Tensor out = map_unary("relu", a, check_defined(a, "relu").dtype(), [](auto x) { return x > 0 ? x : decltype(x)(0); });
  if (autograd::any_requires_grad({&a}))
    record("ReluBackward0", out, {&a}, [svo = SavedTensor(out)](const Tensor& g, NeedsGrad) -> TensorList {
      const Tensor& y = svo.unpack("ReluBackward0");
      return {map_binary("threshold_backward", g, y, g.dtype(), g.dtype(), [](auto gv, auto yv) {
        return yv > 0 ? gv : decltype(gv)(0);
      })};
    });
  return out;
}

Tensor clamp(const Tensor& a, std::optional<double> lo, std::optional<double> hi) {
  if (!lo && !hi) throw std::invalid_argument("clamp: at least one of min and max must be given");
  double l = lo.value_or(-INFINITY), h = hi.value_or(INFINITY);
  ScalarType t = check_defined(a, "clamp").dtype();
  if (!a.is_floating_point() && ((lo && *lo != std::floor(*lo)) || (hi && *hi != std::floor(*hi)))) t = kFloat32;
  Tensor out = map_unary("clamp", a, t, [l, h, lo, hi](auto x) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x)) return x;
    }
    if (lo && x < static_cast<T>(l)) x = static_cast<T>(l);
    if (hi && x > static_cast<T>(h)) x = static_cast<T>(h);
    return x;
  });
  if (autograd::any_requires_grad({&a}))
    record("ClampBackward1", out, {&a}, [sva = SavedTensor(a), l, h](const Tensor& g, NeedsGrad) -> TensorList {
      const Tensor& x = sva.unpack("ClampBackward1");
      return {map_binary("clamp_backward", g, x, g.dtype(), g.dtype(), [l, h](auto gv, auto xv) {
        return xv >= l && xv <= h ? gv : decltype(gv)(0);
      })};
    });
  return out;
}

Tensor Tensor::neg() const { return ag::neg(*this); }
Tensor Tensor::exp() const { return ag::exp(*this); }
Tensor Tensor::log() const { return ag::log(*this); }
Tensor Tensor::sqrt() const { return ag::sqrt(*this); }
Tensor Tensor::abs() const { return ag::abs(*this); }
Tensor Tensor::pow(double e) const { return ag::pow(*this, e); }
Tensor Tensor::tanh() const { return ag::tanh(*this); }
Tensor Tensor::sigmoid() const { return ag::sigmoid(*this); }
Tensor Tensor::relu() const { return ag::relu(*this); }
Tensor Tensor::clamp(std::optional<double> lo, std::optional<double> hi) const { return ag::clamp(*this, lo, hi); }

}  // namespace ag
