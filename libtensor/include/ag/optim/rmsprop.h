// ag::optim::RMSprop (torch.optim.RMSprop): running average of squared
// gradients, optionally centered, with optional momentum and L2 weight decay.
#pragma once
#include <vector>

#include "ag/arg.h"
#include "ag/optim/optimizer.h"

namespace ag::optim {

/// torch.optim.RMSprop's defaults, set as libtorch's are: `RMSpropOptions(0.01).alpha(0.9)`.
class RMSpropOptions {
 public:
  /// Implicit, as libtorch's, so `RMSprop(params, 0.01)` reads as in libtorch.
  RMSpropOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT(google-explicit-constructor)

  AG_ARG(double, lr);
  AG_ARG(double, alpha) = 0.99;
  AG_ARG(double, eps) = 1e-8;
  AG_ARG(double, weight_decay) = 0;
  AG_ARG(double, momentum) = 0;
  AG_ARG(bool, centered) = false;
  AG_ARG(bool, maximize) = false;

 public:
  Hyperparameters to_map() const;
  /// Reads and validates a full set of options; throws naming `optimizer`, the bad key and value.
  static RMSpropOptions from_map(const Hyperparameters& h, const char* optimizer = "RMSprop");
};

/// Per parameter: g = grad (+ wd*p); sq = α*sq + (1-α)*g*g; if centered,
/// ga = lerp(ga, g, 1-α) and avg = sqrt(sq - ga*ga), else avg = sqrt(sq); avg += eps;
/// with momentum, buf = μ*buf + g/avg and p -= lr*buf, else p -= lr*g/avg.
/// One fused pass over the parameter's memory.
class RMSprop : public Optimizer {
 public:
  /// Param groups; options a group leaves out come from `defaults`.
  RMSprop(std::vector<ParamGroup> groups, RMSpropOptions defaults = {});
  /// One group of parameters, named "0", "1", ... (Module::parameters()).
  RMSprop(TensorList params, RMSpropOptions defaults = {});
  /// One group of named parameters (Module::named_parameters()).
  RMSprop(const NamedTensors& named_params, RMSpropOptions defaults = {});

  /// Slots in ParamState::buffers.
  static constexpr size_t kSquareAvg = 0, kMomentumBuffer = 1, kGradAvg = 2;

 protected:
  void validate(const Hyperparameters& options) const override;
  std::vector<size_t> required_buffers(const Hyperparameters& options) const override;
  void step_group(ParamGroup& group, std::vector<ParamState>& states) override;
};

}  // namespace ag::optim
