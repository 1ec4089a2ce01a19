// Optimizer base: param groups and their names, per-parameter state aligned
// with the groups, input checks, step orchestration and zero_grad.
#include "ag/optim/optimizer.h"

#include <stdexcept>
#include <unordered_set>

#include "ag/grad_mode.h"
#include "tensor/long_lived_buffer.h"

namespace ag::optim {

ParamGroup::ParamGroup(TensorList p, Hyperparameters o) : params(std::move(p)), options(std::move(o)) {}

ParamGroup::ParamGroup(const NamedTensors& named, Hyperparameters o) : options(std::move(o)) {
  for (const auto& [name, t] : named) {
    names.push_back(name);
    params.push_back(t);
  }
}

double ParamGroup::lr() const {
  auto it = options.find("lr");
  if (it == options.end()) throw std::invalid_argument("ParamGroup::lr: the group has no 'lr' (add it to an optimizer first)");
  return it->second;
}

Optimizer::Optimizer(std::string type_name, Hyperparameters defaults, std::vector<std::string> buffer_names)
    : type_(std::move(type_name)), defaults_(std::move(defaults)), buffer_names_(std::move(buffer_names)) {}

Hyperparameters Optimizer::merged_options(const Hyperparameters& options, const char* where) const {
  Hyperparameters merged = defaults_;
  for (const auto& [k, v] : options) merged[k] = v;
  try {
    validate(merged);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(e.what()) + " (in " + where + ")");
  }
  return merged;
}

void Optimizer::add_param_group(ParamGroup group) {
  const std::string where = type_ + ".add_param_group";
  if (!group.names.empty() && group.names.size() != group.params.size())
    throw std::invalid_argument(where + ": " + std::to_string(group.names.size()) + " names for " +
                                std::to_string(group.params.size()) + " parameters");
  if (group.names.empty())
    for (size_t i = 0; i < group.params.size(); ++i) group.names.push_back(std::to_string(param_count_ + i));

  std::unordered_set<const TensorImpl*> seen_params;
  std::unordered_set<std::string> seen_names;
  for (const ParamGroup& g : groups_) {
    for (const Tensor& p : g.params) seen_params.insert(p.unsafe_impl());
    seen_names.insert(g.names.begin(), g.names.end());
  }
  for (size_t i = 0; i < group.params.size(); ++i) {
    const Tensor& p = group.params[i];
    const std::string& name = group.names[i];
    if (!p.defined()) throw std::invalid_argument(where + ": parameter '" + name + "' is an undefined tensor");
    if (!p.is_floating_point())
      throw std::invalid_argument(where + ": parameter '" + name + "' has dtype " + dtype_name(p.dtype()) +
                                  "; only float32 and float64 tensors can be optimized");
    if (!p.is_leaf()) throw std::invalid_argument(where + ": can't optimize a non-leaf tensor ('" + name + "')");
    if (!seen_params.insert(p.unsafe_impl()).second)
      throw std::invalid_argument(where + ": parameter '" + name +
                                  "' appears more than once in this optimizer (tied parameters must be passed once)");
    if (!seen_names.insert(name).second)
      throw std::invalid_argument(where + ": two parameters are named '" + name + "'");
  }
  group.options = merged_options(group.options, ("param group " + std::to_string(groups_.size())).c_str());
  param_count_ += group.params.size();
  state_.emplace_back(group.params.size());
  groups_.push_back(std::move(group));
}

void Optimizer::add_initial_groups(std::vector<ParamGroup> groups) {
  for (ParamGroup& g : groups) add_param_group(std::move(g));
  if (param_count_ == 0) throw std::invalid_argument(type_ + ": optimizer got an empty parameter list");
}

const ParamState& Optimizer::state(size_t group, size_t index) const {
  if (group >= state_.size() || index >= state_[group].size())
    throw std::out_of_range(type_ + ".state: no parameter " + std::to_string(index) + " in param group " + std::to_string(group));
  return state_[group][index];
}

Tensor& Optimizer::zeros_buffer(ParamState& st, size_t slot, const Tensor& param) {
  Tensor& b = st.buffers[slot];
  if (!b.defined()) b = detail::zeros_long_lived(param.sizes(), param.dtype());  // lives as long as the optimizer
  return b;
}

void Optimizer::check_step_inputs() const {
  const std::string where = type_ + ".step";
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& g = groups_[gi];
    if (g.params.size() != state_[gi].size() || g.names.size() != g.params.size())
      throw std::logic_error(where + ": param group " + std::to_string(gi) + " now has " + std::to_string(g.params.size()) +
                             " parameters and " + std::to_string(g.names.size()) + " names but was added with " +
                             std::to_string(state_[gi].size()) + "; add parameters with add_param_group");
    try {
      validate(g.options);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string(e.what()) + " (in param group " + std::to_string(gi) + ")");
    }
    for (size_t i = 0; i < g.params.size(); ++i) {
      const Tensor& p = g.params[i];
      const Tensor& grad = p.grad();
      if (!grad.defined()) continue;
      const std::string who = where + ": parameter '" + g.names[i] + "'";
      if (grad.dtype() != p.dtype())
        throw std::invalid_argument(who + " is " + dtype_name(p.dtype()) + " but its gradient is " + dtype_name(grad.dtype()));
      if (grad.sizes() != p.sizes())
        throw std::invalid_argument(who + " has shape " + to_string(p.sizes()) + " but its gradient has shape " +
                                    to_string(grad.sizes()));
      // The fused updates walk raw memory; strided tensors would need a gather.
      if (!p.is_contiguous()) throw std::invalid_argument(who + " is not contiguous; the fused update needs contiguous memory");
      if (!grad.is_contiguous())
        throw std::invalid_argument(who + " has a non-contiguous gradient; the fused update needs contiguous memory");
    }
  }
}

void Optimizer::step() {
  NoGradGuard no_grad;
  check_step_inputs();
  for (size_t gi = 0; gi < groups_.size(); ++gi) step_group(groups_[gi], state_[gi]);
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (ParamGroup& g : groups_) {
    for (Tensor& p : g.params) {
      if (!p.grad().defined()) continue;
      Tensor& grad = p.mutable_grad();
      if (set_to_none) {
        grad.reset();
        continue;
      }
      // As PyTorch: a gradient that is itself part of a graph (create_graph=True) is cut loose first.
      if (grad.grad_fn()) grad.detach_();
      else if (grad.requires_grad()) grad.requires_grad_(false);
      grad.zero_();
    }
  }
}

}  // namespace ag::optim
