// ag::optim::Adam and AdamW (torch.optim.Adam / AdamW), single-tensor CPU
// semantics: eps added after bias-correcting sqrt(v), L2 decay in Adam,
// decoupled decay in AdamW, optional AMSGrad.
#pragma once
#include <string>
#include <tuple>
#include <vector>

#include "ag/arg.h"
#include "ag/optim/optimizer.h"

namespace ag::optim {

/// (beta1, beta2), a tuple as libtorch's, so both `.betas({0.5, 0.999})` and
/// `.betas(std::make_tuple(0.5, 0.999))` compile.
using betas_t = std::tuple<double, double>;

/// torch.optim.Adam's defaults, set as libtorch's are: `AdamOptions(2e-4).betas({0.5, 0.999})`.
class AdamOptions {
 public:
  /// Implicit, as libtorch's, so `Adam(params, 1e-3)` reads as in libtorch.
  AdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT(google-explicit-constructor)

  AG_ARG(double, lr);
  AG_ARG(betas_t, betas) = betas_t{0.9, 0.999};
  AG_ARG(double, eps) = 1e-8;
  /// L2 penalty added to the gradient (Adam); decoupled decay in AdamW.
  AG_ARG(double, weight_decay) = 0;
  AG_ARG(bool, amsgrad) = false;
  AG_ARG(bool, maximize) = false;

 public:
  /// Keys "lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad", "maximize".
  Hyperparameters to_map() const;
  /// Reads and validates a full set of options; throws naming `optimizer`, the bad key and value.
  static AdamOptions from_map(const Hyperparameters& h, const char* optimizer = "Adam");
};

/// torch.optim.AdamW's defaults: Adam's, with weight_decay=1e-2.
class AdamWOptions {
 public:
  /// Implicit, as libtorch's, so `AdamW(params, 1e-3)` reads as in libtorch.
  AdamWOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT(google-explicit-constructor)

  AG_ARG(double, lr);
  AG_ARG(betas_t, betas) = betas_t{0.9, 0.999};
  AG_ARG(double, eps) = 1e-8;
  /// Decoupled: p *= 1 - lr*weight_decay before each update.
  AG_ARG(double, weight_decay) = 1e-2;
  AG_ARG(bool, amsgrad) = false;
  AG_ARG(bool, maximize) = false;

 public:
  /// The same settings as AdamOptions (AdamW applies weight_decay decoupled).
  AdamOptions adam() const {
    return AdamOptions(lr_).betas(betas_).eps(eps_).weight_decay(weight_decay_).amsgrad(amsgrad_).maximize(maximize_);
  }
};

/// Per parameter, with t its own step count (see Note [Optimizer rounding] in
/// src/optim/update_kernel.h for the exact rounding):
///   g = grad (+ wd*p);  m = lerp(m, g, 1-β1);  v = v*β2 + (1-β2)*g*g
///   step_size = lr/(1-β1^t);  denom = sqrt(v)/sqrt(1-β2^t) + eps;  p -= step_size*m/denom
/// One fused pass over the parameter's memory.
class Adam : public Optimizer {
 public:
  /// Param groups; options a group leaves out come from `defaults`.
  Adam(std::vector<ParamGroup> groups, AdamOptions defaults = {});
  /// One group of parameters, named "0", "1", ... (Module::parameters()).
  Adam(TensorList params, AdamOptions defaults = {});
  /// One group of named parameters (Module::named_parameters()).
  Adam(const NamedTensors& named_params, AdamOptions defaults = {});

  /// Slots in ParamState::buffers.
  static constexpr size_t kExpAvg = 0, kExpAvgSq = 1, kMaxExpAvgSq = 2;

 protected:
  /// For AdamW: `decoupled` applies p *= 1 - lr*wd before the moment updates instead of L2.
  Adam(std::string type_name, std::vector<ParamGroup> groups, AdamOptions defaults, bool decoupled);

  void validate(const Hyperparameters& options) const override;
  std::vector<size_t> required_buffers(const Hyperparameters& options) const override;
  void step_group(ParamGroup& group, std::vector<ParamState>& states) override;

 private:
  bool decoupled_ = false;
};

/// Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr*wd before
/// the moment updates, no L2 term in the gradient. Same state as Adam; its state
/// dicts carry the type "AdamW", so they do not load into Adam or back.
class AdamW : public Adam {
 public:
  /// Param groups; options a group leaves out come from `defaults`.
  AdamW(std::vector<ParamGroup> groups, AdamWOptions defaults = {});
  /// One group of parameters, named "0", "1", ... (Module::parameters()).
  AdamW(TensorList params, AdamWOptions defaults = {});
  /// One group of named parameters (Module::named_parameters()).
  AdamW(const NamedTensors& named_params, AdamWOptions defaults = {});
};

}  // namespace ag::optim
