// ag::save / ag::load: one object per file, as a checkpoint with one section.
#include "ag/serialize.h"

#include <stdexcept>
#include <utility>

#include "ag/checkpoint.h"
#include "ag/training_state.h"

namespace ag {

namespace {

constexpr const char* kModelSection = "model";
constexpr const char* kOptimizerSection = "optimizer";
constexpr const char* kTensorsSection = "tensors";

void save_section(const char* section, StateDict dict, std::string model_spec, const std::string& path) {
  Checkpoint c;
  c.meta.model_spec = std::move(model_spec);
  c.sections[section] = std::move(dict);
  save_checkpoint(c, path);
}

// CheckpointError's reason is one line; the state-dict errors list one problem per line.
std::string one_line(std::string s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n') {
      if (i + 1 < s.size() && s[i + 1] == '\t') ++i;
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// The section, or a CheckpointError saying what the file holds instead.
const StateDict& section_of(const Checkpoint& c, const char* section, const char* what, const std::string& path) {
  if (c.has_section(section)) return c.sections.at(section);
  std::string have;
  for (const auto& [name, dict] : c.sections) have += (have.empty() ? "'" : ", '") + name + "'";
  throw CheckpointError(path, std::string("holds no ") + what + " (no section '" + section + "'; it has " +
                                  (have.empty() ? "none" : have) + ")");
}

std::vector<Tensor> tensors_of(const Checkpoint& c, const std::string& path) {
  const StateDict& dict = section_of(c, kTensorsSection, "tensors", path);
  std::vector<Tensor> out;
  out.reserve(dict.size());
  for (size_t i = 0; i < dict.size(); ++i) {
    const std::string key = std::to_string(i);
    if (!dict.contains(key) || dict.kind(key) != StateKind::Tensor)
      throw CheckpointError(path, "section 'tensors' has no tensor '" + key + "' among its " +
                                      std::to_string(dict.size()) + " entries");
    out.push_back(dict.get_tensor(key));
  }
  return out;
}

}  // namespace

void save(const nn::Module& module, const std::string& path) {
  save_section(kModelSection, module.state_dict(), module.name(), path);
}

void save(const optim::Optimizer& optimizer, const std::string& path) {
  // The view aliases the live state: written out at once, never held twice.
  save_section(kOptimizerSection, optimizer_state(optimizer.state_dict_view()), "", path);
}

void save(const Tensor& tensor, const std::string& path) { save(std::vector<Tensor>{tensor}, path); }

void save(const std::vector<Tensor>& tensors, const std::string& path) {
  StateDict dict;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].defined()) throw std::invalid_argument("ag::save: tensor " + std::to_string(i) + " for '" + path + "' is undefined");
    dict.set_tensor(std::to_string(i), tensors[i]);
  }
  save_section(kTensorsSection, std::move(dict), "", path);
}

void load(nn::Module& module, const std::string& path) {
  const Checkpoint c = load_checkpoint(path);
  const StateDict& dict = section_of(c, kModelSection, "module state", path);
  try {
    module.load_state_dict(dict);
  } catch (const std::runtime_error& e) {
    throw CheckpointError(path, one_line(e.what()));
  }
}

void load(optim::Optimizer& optimizer, const std::string& path) {
  Checkpoint c = load_checkpoint(path);
  const StateDict& dict = section_of(c, kOptimizerSection, "optimizer state", path);
  optim::OptimizerStateDict state;
  try {
    state = optimizer_state_from(dict);
  } catch (const std::exception& e) {
    throw CheckpointError(path, std::string("bad optimizer state: ") + one_line(e.what()));
  }
  // The optimizer takes over the loaded buffers rather than copying them, unless
  // the file holds more (a training checkpoint), whose memory they would keep alive.
  const bool only_optimizer = c.sections.size() == 1;
  try {
    if (only_optimizer) optimizer.load_state_dict(std::move(state));
    else optimizer.load_state_dict(state);
  } catch (const std::exception& e) {
    throw CheckpointError(path, one_line(e.what()));
  }
}

void load(Tensor& tensor, const std::string& path) {
  std::vector<Tensor> tensors = tensors_of(load_checkpoint(path), path);
  if (tensors.size() != 1)
    throw CheckpointError(path, "holds " + std::to_string(tensors.size()) +
                                    " tensors; load them into a std::vector<Tensor>, not one Tensor");
  tensor = std::move(tensors[0]);
}

void load(std::vector<Tensor>& tensors, const std::string& path) { tensors = tensors_of(load_checkpoint(path), path); }

}  // namespace ag
