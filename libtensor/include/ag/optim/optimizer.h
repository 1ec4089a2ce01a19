// ag::optim::Optimizer: parameter groups, per-parameter state held in vectors
// aligned with each group's parameters, and the name-keyed state dict that
// checkpoints save. Note [Optimizer state by name]: in memory, state sits at
// the parameter's position in its group (never keyed by address); in a state
// dict it is keyed by the parameter's name, and loading matches names and
// shapes and fails on the first difference.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "ag/optim/state_dict.h"
#include "ag/ordered_dict.h"
#include "ag/tensor.h"

namespace ag::optim {

/// Parameters that share hyperparameters (one entry of PyTorch's `param_groups`).
struct ParamGroup {
  ParamGroup() = default;
  /// Unnamed parameters: the optimizer names them "0", "1", ... by their position
  /// among all its parameters, as PyTorch's state_dict numbers them.
  explicit ParamGroup(TensorList params, Hyperparameters options = {});
  /// Named parameters (Module::named_parameters()); names must be unique within the optimizer.
  explicit ParamGroup(const NamedTensors& named, Hyperparameters options = {});

  /// The parameters, updated in place by step().
  TensorList params;
  /// Aligned with params; filled in by the optimizer when left empty.
  std::vector<std::string> names;
  /// Keys left out take the optimizer's defaults. Schedulers change "lr" here and
  /// record "initial_lr" (as PyTorch does in the group dict).
  Hyperparameters options;

  /// options["lr"]; throws if the group has none yet.
  double lr() const;
  /// Sets options["lr"] (what schedulers do).
  void set_lr(double lr) { options["lr"] = lr; }
};

/// One parameter's state while training.
struct ParamState {
  /// Updates applied so far; advances only on steps where the parameter has a gradient.
  int64_t step = 0;
  /// Slots named by Optimizer::buffer_names(); a slot stays undefined until the
  /// update first needs it.
  std::vector<Tensor> buffers;
};

/// Base of SGD, Adam, AdamW and RMSprop. Derived classes supply the update of
/// one group; the base owns groups, names, state, zero_grad and state dicts.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter that has a gradient, under NoGradGuard.
  /// Parameters whose grad is undefined are skipped and their step does not
  /// advance. Options, shapes, dtypes and contiguity of every parameter are
  /// checked before anything is written, so a bad input leaves all parameters untouched.
  void step();
  /// Clears gradients. set_to_none=true (PyTorch 2.x default) resets them to
  /// undefined, which also makes the next step skip parameters that get none.
  void zero_grad(bool set_to_none = true);
  /// Adds parameters with their own hyperparameters. Throws on an unknown or
  /// invalid hyperparameter, a duplicate parameter, a duplicate name, or a
  /// parameter that is not a floating-point leaf.
  void add_param_group(ParamGroup group);

  /// The groups; schedulers and users change hyperparameters through these. Do not
  /// add or remove parameters here: use add_param_group (step() checks).
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  /// The options groups inherit when they leave a key out.
  const Hyperparameters& defaults() const { return defaults_; }
  /// State of parameter `index` of group `group` (step 0, no buffers before its first update).
  const ParamState& state(size_t group, size_t index) const;
  /// "SGD", "Adam", "AdamW", "RMSprop".
  const std::string& type_name() const { return type_; }
  /// Names of the per-parameter state tensors, in slot order.
  const std::vector<std::string>& buffer_names() const { return buffer_names_; }

  /// A copy of the state: group hyperparameters and parameter names, and per
  /// parameter (by name) its step count and cloned buffers.
  OptimizerStateDict state_dict() const;
  /// The same, with buffers that alias the live state instead of clones: for writing
  /// the state out at once (a checkpoint) without holding it twice in memory. Do not
  /// load it into another optimizer: the rvalue load_state_dict would then share it.
  OptimizerStateDict state_dict_view() const;
  /// Replaces all state and group hyperparameters with `sd`. Checks everything first
  /// and throws on the first difference (optimizer type, number of groups, a parameter
  /// missing from the dict, an unexpected name, an unknown or missing state tensor,
  /// a wrong shape, an invalid hyperparameter); on error nothing changes. Buffers are
  /// copied and converted to the parameter's dtype (as PyTorch casts them).
  void load_state_dict(const OptimizerStateDict& sd);
  /// The same, taking over the dict's buffers instead of copying those that are
  /// contiguous and of the parameter's dtype (as PyTorch 2's load_state_dict
  /// does; 1.13 deep-copies). Other handles to those tensors, such as the
  /// Checkpoint the dict came from, then see the optimizer's updates.
  /// Resuming a 100 MB Adam checkpoint: restore 8 -> 3 ms on the project machine.
  void load_state_dict(OptimizerStateDict&& sd);

 protected:
  Optimizer(std::string type_name, Hyperparameters defaults, std::vector<std::string> buffer_names);
  /// For derived constructors: adds the groups; throws if they hold no parameter at all.
  void add_initial_groups(std::vector<ParamGroup> groups);

  /// Throws std::invalid_argument naming the problem if `options` (a full set,
  /// without scheduler keys) is not valid for this optimizer.
  virtual void validate(const Hyperparameters& options) const = 0;
  /// Slots that must hold a tensor once a parameter with these options has stepped.
  virtual std::vector<size_t> required_buffers(const Hyperparameters& options) const = 0;
  /// Updates the parameters of one group; inputs are already checked.
  virtual void step_group(ParamGroup& group, std::vector<ParamState>& states) = 0;

  /// Calls f(param, grad, state) for each parameter of the group that has a
  /// gradient, after advancing its step; bumps the parameter's version afterwards.
  template <typename F>
  void for_each_param_with_grad(ParamGroup& group, std::vector<ParamState>& states, F&& f) {
    for (size_t i = 0; i < group.params.size(); ++i) {
      Tensor& p = group.params[i];
      const Tensor& g = p.grad();
      if (!g.defined()) continue;
      ParamState& st = states[i];
      st.buffers.resize(buffer_names_.size());
      ++st.step;
      f(p, g, st);
      p.bump_version();
    }
  }
  /// The buffer in `slot`, created as zeros shaped like `param` if undefined.
  static Tensor& zeros_buffer(ParamState& st, size_t slot, const Tensor& param);

 private:
  void check_step_inputs() const;
  Hyperparameters merged_options(const Hyperparameters& options, const char* where) const;
  // Both load_state_dict overloads; `take_over`: keep the dict's tensors instead of copies.
  void load_state(const OptimizerStateDict& sd, bool take_over);

  std::string type_;
  Hyperparameters defaults_;
  std::vector<std::string> buffer_names_;
  std::vector<ParamGroup> groups_;
  std::vector<std::vector<ParamState>> state_;  // state_[g][i] belongs to groups_[g].params[i]
  size_t param_count_ = 0;                      // for default names
};

}  // namespace ag::optim
