// RMSprop: options and the fused per-parameter update, rounding as PyTorch's
// _single_tensor_rmsprop does (Note [Optimizer rounding] in optim/update_kernel.h).
#include "ag/optim/rmsprop.h"

#include <cmath>

#include "optim/options.h"
#include "optim/update_kernel.h"

namespace ag::optim {

Hyperparameters RMSpropOptions::to_map() const {
  return {{"lr", lr_},
          {"alpha", alpha_},
          {"eps", eps_},
          {"weight_decay", weight_decay_},
          {"momentum", momentum_},
          {"centered", centered_ ? 1.0 : 0.0},
          {"maximize", maximize_ ? 1.0 : 0.0}};
}

RMSpropOptions RMSpropOptions::from_map(const Hyperparameters& h, const char* optimizer) {
  detail::OptionReader r(h, optimizer, {"lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize"});
  RMSpropOptions o;
  o.lr(r.at_least("lr", 0));
  o.alpha(r.at_least("alpha", 0));
  o.eps(r.at_least("eps", 0));
  o.weight_decay(r.at_least("weight_decay", 0));
  o.momentum(r.at_least("momentum", 0));
  o.centered(r.flag("centered"));
  o.maximize(r.flag("maximize"));
  return o;
}

namespace {

// Python-side scalars of one update, in double.
struct RMSpropScalars {
  double sign;             // -1 with maximize
  double weight_decay;     // grad.add(param, alpha=wd)
  double alpha;            // square_avg.mul_(alpha)
  double one_minus_alpha;  // addcmul_ value, and the lerp weight of grad_avg
  double eps;
  double momentum;         // buf.mul_(momentum)
  double neg_lr;           // param.add_(buf, alpha=-lr) / param.addcdiv_(..., value=-lr)
};

template <typename T, bool kL2, bool kCentered, bool kMomentum>
void rmsprop_update(const RMSpropScalars& s, T* p, const T* g, T* sq, T* ga, T* buf, int64_t n) {
  const T sign = T(s.sign), wd = T(s.weight_decay), alpha = T(s.alpha), c = T(s.one_minus_alpha), eps = T(s.eps),
          mu = T(s.momentum), neg_lr = T(s.neg_lr);
  detail::parallel_over(n, [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T param = p[i];
      T grad = g[i] * sign;
      if constexpr (kL2) grad = std::fma(param, wd, grad);
      T square_avg = sq[i] * alpha;
      square_avg = square_avg + c * grad * grad;
      sq[i] = square_avg;
      T avg;
      if constexpr (kCentered) {
        const T grad_avg = detail::lerp(ga[i], grad, c);
        ga[i] = grad_avg;
        avg = std::sqrt(square_avg + T(-1) * grad_avg * grad_avg);  // square_avg.addcmul(ga, ga, value=-1).sqrt_()
      } else {
        avg = std::sqrt(square_avg);
      }
      avg = avg + eps;
      if constexpr (kMomentum) {
        T b = buf[i] * mu;
        b = b + T(1) * grad / avg;  // addcdiv_(grad, avg) with value=1
        buf[i] = b;
        p[i] = std::fma(b, neg_lr, param);
      } else {
        p[i] = param + neg_lr * grad / avg;
      }
    }
  });
}

}  // namespace

RMSprop::RMSprop(std::vector<ParamGroup> groups, RMSpropOptions defaults)
    : Optimizer("RMSprop", defaults.to_map(), {"square_avg", "momentum_buffer", "grad_avg"}) {
  add_initial_groups(std::move(groups));
}
RMSprop::RMSprop(TensorList params, RMSpropOptions defaults)
    : RMSprop(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}
RMSprop::RMSprop(const NamedTensors& named_params, RMSpropOptions defaults)
    : RMSprop(std::vector<ParamGroup>{ParamGroup(named_params)}, defaults) {}

void RMSprop::validate(const Hyperparameters& options) const {
  (void)RMSpropOptions::from_map(options, type_name().c_str());
}

std::vector<size_t> RMSprop::required_buffers(const Hyperparameters& options) const {
  const RMSpropOptions o = RMSpropOptions::from_map(options, type_name().c_str());
  std::vector<size_t> slots{kSquareAvg};
  if (o.momentum() > 0) slots.push_back(kMomentumBuffer);
  if (o.centered()) slots.push_back(kGradAvg);
  return slots;
}

void RMSprop::step_group(ParamGroup& group, std::vector<ParamState>& states) {
  const RMSpropOptions o = RMSpropOptions::from_map(group.options, type_name().c_str());
  const RMSpropScalars s{o.maximize() ? -1.0 : 1.0, o.weight_decay(), o.alpha(), 1 - o.alpha(), o.eps(), o.momentum(), -o.lr()};
  const bool momentum = o.momentum() > 0;
  for_each_param_with_grad(group, states, [&](Tensor& p, const Tensor& g, ParamState& st) {
    Tensor& sq = zeros_buffer(st, kSquareAvg, p);
    Tensor* buf = momentum ? &zeros_buffer(st, kMomentumBuffer, p) : nullptr;
    Tensor* ga = o.centered() ? &zeros_buffer(st, kGradAvg, p) : nullptr;
    AG_DISPATCH_FLOATING(p.dtype(), "RMSprop.step", [&] {
      detail::with_flags(
          [&](auto l2, auto centered, auto mom) {
            rmsprop_update<scalar_t, decltype(l2)::value, decltype(centered)::value, decltype(mom)::value>(
                s, p.data_ptr<scalar_t>(), g.data_ptr<scalar_t>(), sq.data_ptr<scalar_t>(),
                ga ? ga->data_ptr<scalar_t>() : nullptr, buf ? buf->data_ptr<scalar_t>() : nullptr, p.numel());
          },
          o.weight_decay() != 0, o.centered(), momentum);
    });
  });
}

}  // namespace ag::optim
