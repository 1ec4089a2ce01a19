// Training state ⇄ flat StateDicts. Optimizer state keys:
//   type; groups (count); group.G.params (comma-joined names); group.G.opt.NAME;
//   state.PARAM.step; state.PARAM.buf.BUFFER (tensor).
// Scheduler keys nest chained schedulers under "sub.K.".
#include "ag/training_state.h"

#include <set>
#include <sstream>
#include <stdexcept>

namespace ag {

namespace {
std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s;
}
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::string item;
  std::istringstream is(s);
  while (std::getline(is, item, ',')) out.push_back(item);
  return out;
}
bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
}  // namespace

StateDict optimizer_state(const optim::OptimizerStateDict& o) {
  StateDict sd;
  sd.set_string("type", o.type);
  sd.set_int("groups", static_cast<int64_t>(o.param_groups.size()));
  for (size_t g = 0; g < o.param_groups.size(); ++g) {
    std::string p = "group." + std::to_string(g) + ".";
    sd.set_string(p + "params", join(o.param_groups[g].params));
    for (const auto& [k, v] : o.param_groups[g].options) sd.set_double(p + "opt." + k, v);
  }
  for (const auto& [name, st] : o.state) {
    sd.set_int("state." + name + ".step", st.step);
    for (const auto& [b, t] : st.buffers) sd.set_tensor("state." + name + ".buf." + b, t);
  }
  return sd;
}

optim::OptimizerStateDict optimizer_state_from(const StateDict& sd) {
  optim::OptimizerStateDict o;
  o.type = sd.get_string("type");
  int64_t groups = sd.get_int("groups");
  if (groups < 0 || groups > (1 << 20)) throw std::runtime_error("optimizer state: bad group count " + std::to_string(groups));
  o.param_groups.resize(static_cast<size_t>(groups));
  for (int64_t g = 0; g < groups; ++g)
    o.param_groups[g].params = split(sd.get_string("group." + std::to_string(g) + ".params"));
  std::set<std::string> names;
  for (const auto& group : o.param_groups) names.insert(group.params.begin(), group.params.end());
  // One pass over the entries. Parameter names may contain dots; the suffixes
  // ".step" and ".buf.NAME" (buffer names have none) are ours.
  for (const auto& e : sd.entries()) {
    const std::string& k = e.name;
    if (starts_with(k, "group.")) {
      size_t dot = k.find('.', 6);
      if (dot == std::string::npos || k.compare(dot, 5, ".opt.") != 0) continue;
      int64_t g = std::stoll(k.substr(6, dot - 6));
      if (g >= 0 && g < groups) o.param_groups[g].options[k.substr(dot + 5)] = sd.get_double(k);
    } else if (starts_with(k, "state.")) {
      if (size_t b = k.rfind(".buf."); b != std::string::npos && names.count(k.substr(6, b - 6))) {
        o.state[k.substr(6, b - 6)].buffers[k.substr(b + 5)] = sd.get_tensor(k);
      } else if (k.size() > 11 && k.compare(k.size() - 5, 5, ".step") == 0 && names.count(k.substr(6, k.size() - 11))) {
        o.state[k.substr(6, k.size() - 11)].step = sd.get_int(k);
      }
    }
  }
  return o;
}

namespace {
void put_scheduler(StateDict& sd, const std::string& p, const optim::SchedulerStateDict& s) {
  sd.set_string(p + "type", s.type);
  sd.set_int(p + "last_epoch", s.last_epoch);
  sd.set_int(p + "step_count", s.step_count);
  sd.set_tensor(p + "base_lrs", from_vector(s.base_lrs, {static_cast<int64_t>(s.base_lrs.size())}));
  sd.set_tensor(p + "last_lr", from_vector(s.last_lr, {static_cast<int64_t>(s.last_lr.size())}));
  sd.set_tensor(p + "milestones", from_vector(s.milestones, {static_cast<int64_t>(s.milestones.size())}));
  for (const auto& [k, v] : s.hyperparameters) sd.set_double(p + "hp." + k, v);
  sd.set_int(p + "subs", static_cast<int64_t>(s.schedulers.size()));
  for (size_t i = 0; i < s.schedulers.size(); ++i) put_scheduler(sd, p + "sub." + std::to_string(i) + ".", s.schedulers[i]);
}

template <typename T>
std::vector<T> vec(const Tensor& t) {
  Tensor c = t.contiguous();
  return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

optim::SchedulerStateDict get_scheduler(const StateDict& sd, const std::string& p, int depth) {
  if (depth > 16) throw std::runtime_error("scheduler state: nested too deeply");
  optim::SchedulerStateDict s;
  s.type = sd.get_string(p + "type");
  s.last_epoch = sd.get_int(p + "last_epoch");
  s.step_count = sd.get_int(p + "step_count");
  s.base_lrs = vec<double>(sd.get_tensor(p + "base_lrs"));
  s.last_lr = vec<double>(sd.get_tensor(p + "last_lr"));
  s.milestones = vec<int64_t>(sd.get_tensor(p + "milestones"));
  for (const auto& e : sd.entries())
    if (starts_with(e.name, p + "hp.")) s.hyperparameters[e.name.substr(p.size() + 3)] = sd.get_double(e.name);
  int64_t subs = sd.get_int(p + "subs");
  if (subs < 0 || subs > 1024) throw std::runtime_error("scheduler state: bad count of chained schedulers");
  for (int64_t i = 0; i < subs; ++i) s.schedulers.push_back(get_scheduler(sd, p + "sub." + std::to_string(i) + ".", depth + 1));
  return s;
}
}  // namespace

StateDict scheduler_state(const optim::SchedulerStateDict& s) {
  StateDict sd;
  put_scheduler(sd, "", s);
  return sd;
}

optim::SchedulerStateDict scheduler_state_from(const StateDict& sd) { return get_scheduler(sd, "", 0); }

void put_generator_state(StateDict& sd, const std::string& p, const Generator::State& s) {
  std::vector<int64_t> mt(s.mt.begin(), s.mt.end());
  sd.set_tensor(p + "mt", from_vector(mt, {624}));
  sd.set_int(p + "index", s.index);
  sd.set_int(p + "seed", static_cast<int64_t>(s.seed));
  sd.set_int(p + "has_next_normal", s.has_next_normal);
  sd.set_double(p + "next_normal", s.next_normal);
}

Generator::State generator_state_from(const StateDict& sd, const std::string& p) {
  Generator::State s;
  auto mt = vec<int64_t>(sd.get_tensor(p + "mt"));
  if (mt.size() != 624) throw std::runtime_error("generator state '" + p + "mt' has " + std::to_string(mt.size()) + " words, expected 624");
  for (size_t i = 0; i < 624; ++i) s.mt[i] = static_cast<uint32_t>(mt[i]);
  s.index = static_cast<int32_t>(sd.get_int(p + "index"));
  s.seed = static_cast<uint64_t>(sd.get_int(p + "seed"));
  s.has_next_normal = sd.get_int(p + "has_next_normal") != 0;
  s.next_normal = sd.get_double(p + "next_normal");
  return s;
}

StateDict loader_position_state(const data::LoaderPosition& p) {
  StateDict sd;
  sd.set_int("mid_pass", p.mid_pass);
  sd.set_int("batches", p.batches);
  sd.set_int("base_seed", p.base_seed);
  sd.set_int("sampler.epoch", p.sampler.epoch);
  sd.set_int("sampler.mid_pass", p.sampler.mid_pass);
  sd.set_int("sampler.consumed", p.sampler.consumed);
  sd.set_int("sampler.dataset_size", p.sampler.dataset_size);
  sd.set_int("sampler.pass_samples", p.sampler.pass_samples);
  sd.set_int("sampler.pass_seed", static_cast<int64_t>(p.sampler.pass_seed));
  if (p.sampler.generator_state) put_generator_state(sd, "sampler.generator.", *p.sampler.generator_state);
  if (p.generator) put_generator_state(sd, "generator.", *p.generator);
  return sd;
}

data::LoaderPosition loader_position_from(const StateDict& sd) {
  data::LoaderPosition p;
  p.mid_pass = sd.get_int("mid_pass") != 0;
  p.batches = sd.get_int("batches");
  p.base_seed = sd.get_int("base_seed");
  p.sampler.epoch = sd.get_int("sampler.epoch");
  p.sampler.mid_pass = sd.get_int("sampler.mid_pass") != 0;
  p.sampler.consumed = sd.get_int("sampler.consumed");
  p.sampler.dataset_size = sd.get_int("sampler.dataset_size");
  p.sampler.pass_samples = sd.get_int("sampler.pass_samples");
  p.sampler.pass_seed = static_cast<uint64_t>(sd.get_int("sampler.pass_seed"));
  if (sd.contains("sampler.generator.mt")) p.sampler.generator_state = generator_state_from(sd, "sampler.generator.");
  if (sd.contains("generator.mt")) p.generator = generator_state_from(sd, "generator.");
  return p;
}

}  // namespace ag
