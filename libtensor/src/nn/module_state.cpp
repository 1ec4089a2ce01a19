// Module::state_dict and load_state_dict: parameters and persistent buffers
// by dotted name, checked as a whole before any value is copied.
#include <stdexcept>

#include "ag/grad_mode.h"
#include "ag/nn/module.h"

namespace ag::nn {

void Module::collect_state(const std::string& prefix, StateDict& out) const {
  // PyTorch's order: own parameters, own persistent buffers, then each child. No
  // deduplication: a tied parameter is saved under every name it has.
  for (const auto& [name, p] : parameters_)
    if (p.defined()) out.set_tensor(prefix + name, p);
  for (const auto& [name, b] : buffers_)
    if (b.defined() && !non_persistent_.count(name)) out.set_tensor(prefix + name, b);
  for (const auto& [name, child] : children_) child->collect_state(prefix + name + ".", out);
}

StateDict Module::state_dict() const {
  StateDict out;
  collect_state("", out);
  return out;
}

namespace {
std::string quoted_list(const std::vector<std::string>& keys) {
  std::string s;
  for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", \"" : "\"") + keys[i] + "\"";
  return s;
}
}  // namespace

LoadStateDictResult Module::load_state_dict(const StateDict& dict, bool strict) {
  const NamedTensors own = state_dict().tensors();
  LoadStateDictResult result;
  std::vector<std::string> errors;
  for (const auto& [key, dst] : own) {
    if (!dict.contains(key)) {
      result.missing_keys.push_back(key);
    } else if (dict.kind(key) != StateKind::Tensor) {
      errors.push_back("value for " + key + " is a " + state_kind_name(dict.kind(key)) + ", not a tensor.");
    } else if (const Tensor& src = dict.get_tensor(key); src.sizes() != dst.sizes()) {
      errors.push_back("size mismatch for " + key + ": copying a param with shape " + to_string(src.sizes()) +
                       " from checkpoint, the shape in current model is " + to_string(dst.sizes()) + ".");
    }
  }
  for (const std::string& key : dict.keys())
    if (!own.contains(key)) result.unexpected_keys.push_back(key);
  // PyTorch's message: missing keys, then unexpected keys (both only when strict), then shape errors.
  if (strict && !result.unexpected_keys.empty())
    errors.insert(errors.begin(), "Unexpected key(s) in state_dict: " + quoted_list(result.unexpected_keys) + ". ");
  if (strict && !result.missing_keys.empty())
    errors.insert(errors.begin(), "Missing key(s) in state_dict: " + quoted_list(result.missing_keys) + ". ");
  if (!errors.empty()) {
    std::string msg = "Error(s) in loading state_dict for " + name() + ":";
    for (const auto& e : errors) msg += "\n\t" + e;
    throw std::runtime_error(msg);
  }
  NoGradGuard no_grad;
  for (const auto& [key, dst] : own)
    if (dict.contains(key)) Tensor(dst).copy_(dict.get_tensor(key));
  return result;
}

}  // namespace ag::nn
