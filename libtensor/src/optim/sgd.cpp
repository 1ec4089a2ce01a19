// SGD: options and the fused per-parameter update, rounding as PyTorch's
// _single_tensor_sgd does (Note [Optimizer rounding] in optim/update_kernel.h).
#include "ag/optim/sgd.h"

#include <cmath>

#include "optim/options.h"
#include "optim/update_kernel.h"

namespace ag::optim {

Hyperparameters SGDOptions::to_map() const {
  return {{"lr", lr_},
          {"momentum", momentum_},
          {"dampening", dampening_},
          {"weight_decay", weight_decay_},
          {"nesterov", nesterov_ ? 1.0 : 0.0},
          {"maximize", maximize_ ? 1.0 : 0.0}};
}

SGDOptions SGDOptions::from_map(const Hyperparameters& h, const char* optimizer) {
  detail::OptionReader r(h, optimizer, {"lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"});
  SGDOptions o;
  o.lr(r.at_least("lr", 0));
  o.momentum(r.at_least("momentum", 0));
  o.dampening(r.number("dampening"));
  o.weight_decay(r.at_least("weight_decay", 0));
  o.nesterov(r.flag("nesterov"));
  o.maximize(r.flag("maximize"));
  if (o.nesterov() && (o.momentum() <= 0 || o.dampening() != 0)) r.fail("Nesterov momentum requires a momentum and zero dampening");
  return o;
}

namespace {

// Python-side scalars of one update, in double.
struct SGDScalars {
  double sign;          // -1 with maximize
  double weight_decay;  // grad.add(param, alpha=wd)
  double momentum;      // buf.mul_(momentum); grad.add(buf, alpha=momentum)
  double one_minus_dampening;
  double neg_lr;        // param.add_(grad, alpha=-lr)
};

// kFirst: the momentum buffer starts as a copy of the gradient (torch.clone(grad)).
template <typename T, bool kL2, bool kMomentum, bool kFirst, bool kNesterov>
void sgd_update(const SGDScalars& s, T* p, const T* g, T* buf, int64_t n) {
  const T sign = T(s.sign), wd = T(s.weight_decay), mu = T(s.momentum), damp = T(s.one_minus_dampening),
          neg_lr = T(s.neg_lr);
  detail::parallel_over(n, [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T param = p[i];
      T grad = g[i] * sign;
      if constexpr (kL2) grad = std::fma(param, wd, grad);
      if constexpr (kMomentum) {
        T b;
        if constexpr (kFirst) b = grad;
        else b = std::fma(grad, damp, buf[i] * mu);
        buf[i] = b;
        if constexpr (kNesterov) grad = std::fma(b, mu, grad);
        else grad = b;
      }
      p[i] = std::fma(grad, neg_lr, param);
    }
  });
}

}  // namespace

SGD::SGD(std::vector<ParamGroup> groups, SGDOptions defaults)
    : Optimizer("SGD", defaults.to_map(), {"momentum_buffer"}) {
  add_initial_groups(std::move(groups));
}
SGD::SGD(TensorList params, SGDOptions defaults) : SGD(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}
SGD::SGD(const NamedTensors& named_params, SGDOptions defaults)
    : SGD(std::vector<ParamGroup>{ParamGroup(named_params)}, defaults) {}

void SGD::validate(const Hyperparameters& options) const { (void)SGDOptions::from_map(options, type_name().c_str()); }

std::vector<size_t> SGD::required_buffers(const Hyperparameters& options) const {
  if (SGDOptions::from_map(options, type_name().c_str()).momentum() != 0) return {kMomentumBuffer};
  return {};
}

void SGD::step_group(ParamGroup& group, std::vector<ParamState>& states) {
  const SGDOptions o = SGDOptions::from_map(group.options, type_name().c_str());
  const SGDScalars s{o.maximize() ? -1.0 : 1.0, o.weight_decay(), o.momentum(), 1 - o.dampening(), -o.lr()};
  const bool momentum = o.momentum() != 0;
  for_each_param_with_grad(group, states, [&](Tensor& p, const Tensor& g, ParamState& st) {
    Tensor& buf = st.buffers[kMomentumBuffer];
    const bool first = momentum && !buf.defined();
    if (first) buf = empty(p.sizes(), dtype(p.dtype()));
    AG_DISPATCH_FLOATING(p.dtype(), "SGD.step", [&] {
      detail::with_flags(
          [&](auto l2, auto mom, auto fst, auto nest) {
            sgd_update<scalar_t, decltype(l2)::value, decltype(mom)::value, decltype(fst)::value, decltype(nest)::value>(
                s, p.data_ptr<scalar_t>(), g.data_ptr<scalar_t>(), momentum ? buf.data_ptr<scalar_t>() : nullptr, p.numel());
          },
          o.weight_decay() != 0, momentum, first, o.nesterov());
    });
  });
}

}  // namespace ag::optim
