// Element-wise losses: mse, l1, binary cross entropy (on probabilities and on
// logits). Each is one fused pointwise op ℓ(x, y; p) with its derivatives in x
// and y (p is pos_weight for the logits form); the optional element weight and
// the reduction are ordinary ops on top, so their gradients come for free.
#include <cmath>

#include "ag/nn/functional.h"
#include "ops/op_util.h"

namespace ag::nn::functional {

using namespace ag::ops;

namespace {

// A loss as three functions of (x, y, p): value, ∂/∂x and ∂/∂y.
struct Mse {
  template <typename T> static T value(T x, T y, T) { return (x - y) * (x - y); }
  template <typename T> static T dx(T x, T y, T) { return T(2) * (x - y); }
  template <typename T> static T dy(T x, T y, T) { return T(-2) * (x - y); }
};

struct L1 {
  template <typename T> static T sign(T v) { return static_cast<T>((v > 0) - (v < 0)); }
  template <typename T> static T value(T x, T y, T) { return std::abs(x - y); }
  template <typename T> static T dx(T x, T y, T) { return sign(x - y); }
  template <typename T> static T dy(T x, T y, T) { return -sign(x - y); }
};

// PyTorch clamps both logs at −100 so a probability of exactly 0 or 1 gives a finite loss.
struct Bce {
  template <typename T> static T log_x(T x) { return std::max(std::log(x), T(-100)); }
  template <typename T> static T log_1mx(T x) { return std::max(std::log1p(-x), T(-100)); }
  template <typename T> static T value(T x, T y, T) { return (y - T(1)) * log_1mx(x) - y * log_x(x); }
  template <typename T> static T dx(T x, T y, T) { return (x - y) / std::max((T(1) - x) * x, T(1e-12)); }
  template <typename T> static T dy(T x, T, T) { return log_1mx(x) - log_x(x); }
};

// ℓ = (1 − y)·x − (1 + (p − 1)·y)·log σ(x), with log σ(x) = min(x, 0) − log1p(exp(−|x|)).
struct BceLogits {
  template <typename T> static T log_sigmoid(T x) { return std::min(x, T(0)) - std::log1p(std::exp(-std::abs(x))); }
  template <typename T> static T sigmoid(T x) {
    return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
  }
  template <typename T> static T value(T x, T y, T p) { return (T(1) - y) * x - (T(1) + (p - T(1)) * y) * log_sigmoid(x); }
  template <typename T> static T dx(T x, T y, T p) { return (T(1) + (p - T(1)) * y) * sigmoid(x) - p * y; }
  template <typename T> static T dy(T x, T, T p) { return -x - (p - T(1)) * log_sigmoid(x); }
};

void check_same_shape(const char* op, const Tensor& input, const Tensor& target) {
  check_defined(input, op);
  check_defined(target, op);
  if (!input.is_floating_point() || !target.is_floating_point())
    throw std::invalid_argument(std::string(op) + ": input and target must be floating point, got " +
                                dtype_name(input.dtype()) + " and " + dtype_name(target.dtype()));
  if (input.sizes() != target.sizes())
    throw std::invalid_argument(std::string(op) + ": target shape " + to_string(target.sizes()) +
                                " differs from input shape " + to_string(input.sizes()) +
                                "; they must be equal (broadcasting them would give a wrong loss)");
}

// The unreduced loss ℓ(input, target; param) as one op with gradients for input and target.
template <typename Fn>
Tensor pointwise_loss(const char* op, const char* node, const Tensor& input, const Tensor& target, const Tensor& param) {
  const ScalarType t = input.dtype();
  Tensor x = input.detach(), y = kernels::convert(target.detach(), t);
  Tensor p = param.defined() ? kernels::convert(param.detach(), t) : scalar_tensor(1, t);
  Tensor out = detail::make_empty(input.sizes(), t);
  AG_DISPATCH_FLOATING(t, op, [&] {
    using T = scalar_t;
    kernels::elementwise<T>(out, std::tuple<const T*, const T*, const T*>(x.data_ptr<T>(), y.data_ptr<T>(), p.data_ptr<T>()),
                            {x.unsafe_impl(), y.unsafe_impl(), p.unsafe_impl()},
                            [](T a, T b, T c) { return Fn::value(a, b, c); });
  });
  if (autograd::any_requires_grad({&input, &target}))
    record(node, out, {&input, &target},
           [sx = SavedTensor(input), sy = SavedTensor(target), p, node](const Tensor& g, NeedsGrad n) -> TensorList {
             const Tensor& xv = sx.unpack(node);
             Tensor yv = kernels::convert(sy.unpack(node), xv.dtype());
             auto grad = [&](bool wrt_x) {
               Tensor r = detail::make_empty(xv.sizes(), xv.dtype());
               AG_DISPATCH_FLOATING(xv.dtype(), node, [&] {
                 using T = scalar_t;
                 kernels::elementwise<T>(
                     r, std::tuple<const T*, const T*, const T*, const T*>(g.data_ptr<T>(), xv.data_ptr<T>(),
                                                                          yv.data_ptr<T>(), p.data_ptr<T>()),
                     {g.unsafe_impl(), xv.unsafe_impl(), yv.unsafe_impl(), p.unsafe_impl()},
                     [wrt_x](T gv, T a, T b, T c) { return gv * (wrt_x ? Fn::dx(a, b, c) : Fn::dy(a, b, c)); });
               });
               return r;
             };
             Tensor gx = n[0] ? grad(true) : Tensor();
             Tensor gy = n[1] ? kernels::convert(grad(false), sy.unpack(node).dtype()) : Tensor();
             return {gx, gy};
           });
  return out;
}

// Element weight (broadcast to the loss's shape) and the reduction, as ordinary ops.
Tensor weigh_and_reduce(const char* op, Tensor loss, const Tensor& weight, Reduction reduction) {
  if (weight.defined()) {
    if (broadcast_shapes(loss.sizes(), weight.sizes(), op) != loss.sizes())
      throw std::invalid_argument(std::string(op) + ": weight of shape " + to_string(weight.sizes()) +
                                  " does not broadcast to the input's shape " + to_string(loss.sizes()));
    loss = loss * weight;
  }
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Sum: return loss.sum();
    case Reduction::Mean: break;
  }
  return loss.mean();
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options) {
  check_same_shape("mse_loss", input, target);
  return weigh_and_reduce("mse_loss", pointwise_loss<Mse>("mse_loss", "MseLossBackward0", input, target, Tensor()),
                          Tensor(), options.reduction());
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& options) {
  check_same_shape("l1_loss", input, target);
  return weigh_and_reduce("l1_loss", pointwise_loss<L1>("l1_loss", "L1LossBackward0", input, target, Tensor()),
                          Tensor(), options.reduction());
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options) {
  const char* op = "binary_cross_entropy";
  check_same_shape(op, input, target);
  if (input.numel() > 0) {
    double lo = input.detach().min().item(), hi = input.detach().max().item();
    if (!(lo >= 0 && hi <= 1))
      throw std::invalid_argument(std::string(op) + ": all elements of input should be between 0 and 1, got values in [" +
                                  std::to_string(lo) + ", " + std::to_string(hi) + "] (apply sigmoid first, or use "
                                  "binary_cross_entropy_with_logits)");
  }
  return weigh_and_reduce(op, pointwise_loss<Bce>(op, "BinaryCrossEntropyBackward0", input, target, Tensor()),
                          options.weight(), options.reduction());
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options) {
  const char* op = "binary_cross_entropy_with_logits";
  check_same_shape(op, input, target);
  const Tensor& pw = options.pos_weight();
  if (pw.defined()) {
    if (broadcast_shapes(input.sizes(), pw.sizes(), op) != input.sizes())
      throw std::invalid_argument(std::string(op) + ": pos_weight of shape " + to_string(pw.sizes()) +
                                  " does not broadcast to the input's shape " + to_string(input.sizes()));
    if (autograd::any_requires_grad({&pw}))
      throw std::invalid_argument(std::string(op) + ": the gradient with respect to pos_weight is not supported; "
                                  "pass pos_weight.detach()");
  }
  return weigh_and_reduce(op, pointwise_loss<BceLogits>(op, "BinaryCrossEntropyWithLogitsBackward0", input, target, pw),
                          options.weight(), options.reduction());
}

}  // namespace ag::nn::functional
