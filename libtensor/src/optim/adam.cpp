// Adam and AdamW: options and the fused per-parameter update, rounding as
// PyTorch's _single_tensor_adam does (Note [Optimizer rounding]).
#include "ag/optim/adam.h"

#include <cmath>

#include "optim/options.h"
#include "optim/update_kernel.h"

namespace ag::optim {

Hyperparameters AdamOptions::to_map() const {
  return {{"lr", lr_},
          {"beta1", std::get<0>(betas_)},
          {"beta2", std::get<1>(betas_)},
          {"eps", eps_},
          {"weight_decay", weight_decay_},
          {"amsgrad", amsgrad_ ? 1.0 : 0.0},
          {"maximize", maximize_ ? 1.0 : 0.0}};
}

AdamOptions AdamOptions::from_map(const Hyperparameters& h, const char* optimizer) {
  detail::OptionReader r(h, optimizer, {"lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad", "maximize"});
  AdamOptions o;
  o.lr(r.at_least("lr", 0));
  o.betas({r.in_range("beta1", 0, 1), r.in_range("beta2", 0, 1)});
  o.eps(r.at_least("eps", 0));
  o.weight_decay(r.at_least("weight_decay", 0));
  o.amsgrad(r.flag("amsgrad"));
  o.maximize(r.flag("maximize"));
  return o;
}

namespace {

// The Python-side scalars of one update, in double.
struct AdamScalars {
  double sign;                   // -1 with maximize: grad = -grad
  double weight_decay;           // Adam: grad.add(param, alpha=wd)
  double decay;                  // AdamW: param.mul_(1 - lr*wd)
  double lerp_weight;            // exp_avg.lerp_(grad, 1 - beta1)
  double beta2, one_minus_beta2; // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
  double bias_correction2_sqrt;  // bias_correction2 ** 0.5
  double neg_step_size;          // value=-step_size in param.addcdiv_
  double eps;
};

AdamScalars adam_scalars(const AdamOptions& o, int64_t step) {
  // PyTorch keeps `step` in a float32 tensor and reads it back with .item(); for
  // fewer than 2^24 steps that is exactly this count.
  const double t = static_cast<double>(step);
  const double bias_correction1 = 1 - std::pow(std::get<0>(o.betas()), t);
  const double bias_correction2 = 1 - std::pow(std::get<1>(o.betas()), t);
  const double step_size = o.lr() / bias_correction1;
  AdamScalars s;
  s.sign = o.maximize() ? -1.0 : 1.0;
  s.weight_decay = o.weight_decay();
  s.decay = 1 - o.lr() * o.weight_decay();
  s.lerp_weight = 1 - std::get<0>(o.betas());
  s.beta2 = std::get<1>(o.betas());
  s.one_minus_beta2 = 1 - std::get<1>(o.betas());
  s.bias_correction2_sqrt = std::pow(bias_correction2, 0.5);
  s.neg_step_size = -step_size;
  s.eps = o.eps();
  return s;
}

// One pass over the parameter: reads p, g, m, v (and vmax), writes p, m, v (and vmax).
template <typename T, bool kL2, bool kDecoupled, bool kAmsgrad>
void adam_update(const AdamScalars& s, T* p, const T* g, T* m, T* v, T* vmax, int64_t n) {
  const T sign = T(s.sign), wd = T(s.weight_decay), decay = T(s.decay), w1 = T(s.lerp_weight), beta2 = T(s.beta2),
          c2 = T(s.one_minus_beta2), bc2_sqrt = T(s.bias_correction2_sqrt), neg_step = T(s.neg_step_size), eps = T(s.eps);
  detail::parallel_over(n, [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T param = p[i];
      T grad = g[i] * sign;
      if constexpr (kL2) grad = std::fma(param, wd, grad);
      if constexpr (kDecoupled) param = param * decay;
      const T exp_avg = detail::lerp(m[i], grad, w1);
      T exp_avg_sq = v[i] * beta2;
      exp_avg_sq = exp_avg_sq + c2 * grad * grad;
      m[i] = exp_avg;
      v[i] = exp_avg_sq;
      if constexpr (kAmsgrad) {
        exp_avg_sq = detail::maximum(vmax[i], exp_avg_sq);
        vmax[i] = exp_avg_sq;
      }
      T denom = std::sqrt(exp_avg_sq) / bc2_sqrt;
      denom = denom + eps;
      p[i] = param + neg_step * exp_avg / denom;
    }
  });
}

}  // namespace

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions defaults) : Adam("Adam", std::move(groups), defaults, false) {}
Adam::Adam(TensorList params, AdamOptions defaults)
    : Adam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}
Adam::Adam(const NamedTensors& named_params, AdamOptions defaults)
    : Adam(std::vector<ParamGroup>{ParamGroup(named_params)}, defaults) {}

Adam::Adam(std::string type_name, std::vector<ParamGroup> groups, AdamOptions defaults, bool decoupled)
    : Optimizer(std::move(type_name), defaults.to_map(), {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
      decoupled_(decoupled) {
  add_initial_groups(std::move(groups));
}

void Adam::validate(const Hyperparameters& options) const { (void)AdamOptions::from_map(options, type_name().c_str()); }

std::vector<size_t> Adam::required_buffers(const Hyperparameters& options) const {
  if (AdamOptions::from_map(options, type_name().c_str()).amsgrad()) return {kExpAvg, kExpAvgSq, kMaxExpAvgSq};
  return {kExpAvg, kExpAvgSq};
}

void Adam::step_group(ParamGroup& group, std::vector<ParamState>& states) {
  const AdamOptions o = AdamOptions::from_map(group.options, type_name().c_str());
  const bool l2 = !decoupled_ && o.weight_decay() != 0;
  const bool decoupled = decoupled_ && o.weight_decay() != 0;
  for_each_param_with_grad(group, states, [&](Tensor& p, const Tensor& g, ParamState& st) {
    Tensor& m = zeros_buffer(st, kExpAvg, p);
    Tensor& v = zeros_buffer(st, kExpAvgSq, p);
    Tensor* vmax = o.amsgrad() ? &zeros_buffer(st, kMaxExpAvgSq, p) : nullptr;
    const AdamScalars s = adam_scalars(o, st.step);
    AG_DISPATCH_FLOATING(p.dtype(), "Adam.step", [&] {
      detail::with_flags(
          [&](auto l2_flag, auto decoupled_flag, auto amsgrad_flag) {
            adam_update<scalar_t, decltype(l2_flag)::value, decltype(decoupled_flag)::value, decltype(amsgrad_flag)::value>(
                s, p.data_ptr<scalar_t>(), g.data_ptr<scalar_t>(), m.data_ptr<scalar_t>(), v.data_ptr<scalar_t>(),
                vmax ? vmax->data_ptr<scalar_t>() : nullptr, p.numel());
          },
          l2, decoupled, o.amsgrad());
    });
  });
}

AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions defaults)
    : Adam("AdamW", std::move(groups), defaults.adam(), true) {}
AdamW::AdamW(TensorList params, AdamWOptions defaults)
    : AdamW(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}
AdamW::AdamW(const NamedTensors& named_params, AdamWOptions defaults)
    : AdamW(std::vector<ParamGroup>{ParamGroup(named_params)}, defaults) {}

}  // namespace ag::optim
