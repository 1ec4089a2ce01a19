// ag::optim::SGD: stochastic gradient descent with optional momentum,
// dampening, Nesterov momentum, L2 weight decay and maximize (torch.optim.SGD).
#pragma once
#include <vector>

#include "ag/arg.h"
#include "ag/optim/optimizer.h"

namespace ag::optim {

/// torch.optim.SGD's defaults (lr=1e-3 as in PyTorch 2.x), set as libtorch's are:
/// `SGDOptions(0.01).momentum(0.9).nesterov(true)`. Departure from libtorch, whose
/// SGDOptions has no default: `SGDOptions()` is PyTorch's torch.optim.SGD().
class SGDOptions {
 public:
  /// Implicit, as libtorch's, so `SGD(params, 0.01)` reads as in libtorch.
  SGDOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT(google-explicit-constructor)

  AG_ARG(double, lr);
  AG_ARG(double, momentum) = 0;
  AG_ARG(double, dampening) = 0;
  AG_ARG(double, weight_decay) = 0;
  AG_ARG(bool, nesterov) = false;
  AG_ARG(bool, maximize) = false;

 public:
  Hyperparameters to_map() const;
  /// Reads and validates a full set of options; throws naming `optimizer`, the bad key and value.
  static SGDOptions from_map(const Hyperparameters& h, const char* optimizer = "SGD");
};

/// Per parameter: g = grad (negated if maximize) + wd*p; with momentum, buf = g on
/// the parameter's first step, else buf = momentum*buf + (1-dampening)*g, and
/// g = g + momentum*buf (nesterov) or buf; then p -= lr*g. One fused pass over memory.
class SGD : public Optimizer {
 public:
  /// Param groups; options a group leaves out come from `defaults`.
  SGD(std::vector<ParamGroup> groups, SGDOptions defaults = {});
  /// One group of parameters, named "0", "1", ... (Module::parameters()).
  SGD(TensorList params, SGDOptions defaults = {});
  /// One group of named parameters (Module::named_parameters()).
  SGD(const NamedTensors& named_params, SGDOptions defaults = {});

  /// Slot of the momentum buffer in ParamState::buffers.
  static constexpr size_t kMomentumBuffer = 0;

 protected:
  void validate(const Hyperparameters& options) const override;
  std::vector<size_t> required_buffers(const Hyperparameters& options) const override;
  void step_group(ParamGroup& group, std::vector<ParamState>& states) override;
};

}  // namespace ag::optim
