// Optimizer::state_dict / load_state_dict. See Note [Optimizer state by name]
// in ag/optim/optimizer.h: the dict is keyed by parameter name, loading checks
// everything against this optimizer before it replaces anything.
#include <algorithm>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "ag/grad_mode.h"
#include "ag/optim/optimizer.h"
#include "tensor/long_lived_buffer.h"

namespace ag::optim {

OptimizerStateDict Optimizer::state_dict() const {
  OptimizerStateDict sd = state_dict_view();
  for (auto& [name, ps] : sd.state)
    for (auto& [buf, t] : ps.buffers) t = t.clone();
  return sd;
}

OptimizerStateDict Optimizer::state_dict_view() const {
  NoGradGuard no_grad;
  OptimizerStateDict sd;
  sd.type = type_;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& g = groups_[gi];
    sd.param_groups.push_back({g.options, g.names});
    for (size_t i = 0; i < g.params.size() && i < state_[gi].size(); ++i) {
      const ParamState& st = state_[gi][i];
      bool has_state = st.step > 0;
      for (const Tensor& b : st.buffers) has_state = has_state || b.defined();
      if (!has_state) continue;
      ParamStateDict& ps = sd.state[g.names[i]];
      ps.step = st.step;
      for (size_t slot = 0; slot < st.buffers.size(); ++slot)
        if (st.buffers[slot].defined()) ps.buffers.emplace(buffer_names_[slot], st.buffers[slot].detach());
    }
  }
  return sd;
}

void Optimizer::load_state_dict(const OptimizerStateDict& sd) { load_state(sd, false); }

void Optimizer::load_state_dict(OptimizerStateDict&& sd) { load_state(sd, true); }

void Optimizer::load_state(const OptimizerStateDict& sd, bool take_over) {
  NoGradGuard no_grad;
  const std::string where = type_ + ".load_state_dict: ";
  auto fail = [&](const std::string& what) { throw std::invalid_argument(where + what); };
  auto group_label = [](size_t gi) { return "param group " + std::to_string(gi); };

  if (sd.type != type_) fail("the state dict was saved by " + sd.type + ", this optimizer is " + type_);
  if (sd.param_groups.size() != groups_.size())
    fail("the state dict has " + std::to_string(sd.param_groups.size()) + " param groups, this optimizer has " +
         std::to_string(groups_.size()));

  // Names and hyperparameters, group by group.
  std::unordered_map<std::string, std::pair<size_t, size_t>> position;  // name -> (group, index)
  std::vector<Hyperparameters> new_options(groups_.size());
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& g = groups_[gi];
    const ParamGroupStateDict& saved = sd.param_groups[gi];
    std::unordered_set<std::string> saved_names;
    for (const std::string& n : saved.params)
      if (!saved_names.insert(n).second) fail(group_label(gi) + " of the state dict names parameter '" + n + "' twice");
    for (size_t i = 0; i < g.params.size(); ++i) {
      if (!saved_names.count(g.names[i]))
        fail("parameter '" + g.names[i] + "' (" + group_label(gi) + ") is missing from the state dict");
      position[g.names[i]] = {gi, i};
    }
    for (const std::string& n : saved.params) {
      auto it = position.find(n);
      if (it == position.end() || it->second.first != gi)
        fail("unexpected parameter '" + n + "' in " + group_label(gi) + " of the state dict");
    }
    try {
      validate(saved.options);
    } catch (const std::invalid_argument& e) {
      fail(std::string(e.what()) + " (" + group_label(gi) + " of the state dict)");
    }
    new_options[gi] = saved.options;
  }

  // Per-parameter state, converted to each parameter's dtype.
  std::vector<std::vector<ParamState>> new_state;
  for (const ParamGroup& g : groups_) new_state.emplace_back(g.params.size());
  for (const auto& [name, ps] : sd.state) {
    auto it = position.find(name);
    if (it == position.end()) fail("unexpected parameter '" + name + "' in the state of the state dict");
    auto [gi, i] = it->second;
    const Tensor& p = groups_[gi].params[i];
    if (ps.step < 0) fail("parameter '" + name + "' has a negative step count " + std::to_string(ps.step));
    ParamState st;
    st.step = ps.step;
    st.buffers.resize(buffer_names_.size());
    for (const auto& [bname, t] : ps.buffers) {
      auto slot_it = std::find(buffer_names_.begin(), buffer_names_.end(), bname);
      if (slot_it == buffer_names_.end()) {
        std::string known;
        for (const std::string& b : buffer_names_) known += (known.empty() ? "" : ", ") + b;
        fail("unexpected state '" + bname + "' for parameter '" + name + "' (" + type_ + " keeps: " + known + ")");
      }
      const std::string what = "state '" + bname + "' of parameter '" + name + "'";
      if (!t.defined()) fail(what + " is an undefined tensor");
      if (!t.is_floating_point()) fail(what + " has dtype " + dtype_name(t.dtype()) + ", expected a floating point tensor");
      if (t.sizes() != p.sizes())
        fail(what + " has shape " + to_string(t.sizes()) + " but the parameter has shape " + to_string(p.sizes()));
      Tensor& slot = st.buffers[static_cast<size_t>(slot_it - buffer_names_.begin())];
      if (take_over && t.dtype() == p.dtype() && t.is_contiguous() && !t.requires_grad()) {
        slot = t;  // the caller gave the dict up: no copy (a fresh copy costs the kernel zeroing its pages too)
      } else {
        slot = detail::zeros_long_lived(p.sizes(), p.dtype());  // huge pages: see long_lived_buffer.h
        slot.copy_(t);
      }
    }
    if (st.step > 0)
      for (size_t slot : required_buffers(new_options[gi]))
        if (!st.buffers[slot].defined())
          fail("parameter '" + name + "' has taken " + std::to_string(st.step) + " steps but its state has no '" +
               buffer_names_[slot] + "'");
    new_state[gi][i] = std::move(st);
  }

  // Everything checked: replace, dropping whatever state was there.
  state_ = std::move(new_state);
  for (size_t gi = 0; gi < groups_.size(); ++gi) groups_[gi].options = std::move(new_options[gi]);
}

}  // namespace ag::optim
