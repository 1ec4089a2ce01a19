// ag::StateDict: ordered named values with typed access.
#include "ag/state_dict.h"

#include <stdexcept>

namespace ag {

const char* state_kind_name(StateKind k) {
  switch (k) {
    case StateKind::Tensor: return "tensor";
    case StateKind::Int: return "int64";
    case StateKind::Double: return "double";
    case StateKind::String: return "string";
  }
  return "unknown";
}

namespace {

// "a tensor float32 [2, 3]", "an int64 (5)", "a string ("adam")": what was found.
std::string describe(const StateValue& v) {
  switch (static_cast<StateKind>(v.index())) {
    case StateKind::Tensor: {
      const Tensor& t = std::get<Tensor>(v);
      return std::string("a tensor ") + dtype_name(t.dtype()) + " " + to_string(t.sizes());
    }
    case StateKind::Int: return "an int64 (" + std::to_string(std::get<int64_t>(v)) + ")";
    case StateKind::Double: return "a double (" + std::to_string(std::get<double>(v)) + ")";
    case StateKind::String: {
      const std::string& s = std::get<std::string>(v);
      return "a string (\"" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "\")";
    }
  }
  return "an unknown value";
}

}  // namespace

void StateDict::set(const std::string& key, StateValue v) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].value = std::move(v);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.push_back(Entry{key, std::move(v)});
}

void StateDict::set_tensor(const std::string& key, const Tensor& t) {
  if (!t.defined()) throw std::invalid_argument("StateDict::set_tensor: tensor for '" + key + "' is undefined");
  set(key, t.detach());
}
void StateDict::set_int(const std::string& key, int64_t v) { set(key, v); }
void StateDict::set_double(const std::string& key, double v) { set(key, v); }
void StateDict::set_string(const std::string& key, std::string v) { set(key, std::move(v)); }

const StateDict::Entry& StateDict::find(const std::string& key) const {
  auto it = index_.find(key);
  if (it != index_.end()) return entries_[it->second];
  std::string msg = "StateDict: no entry named '" + key + "'";
  if (entries_.empty()) {
    msg += " (the dict is empty)";
  } else {
    msg += " (" + std::to_string(entries_.size()) + " entries: ";
    size_t shown = 0;
    for (const Entry& e : entries_) {
      if (shown == 8) { msg += ", ..."; break; }
      msg += (shown++ ? ", '" : "'") + e.name + "'";
    }
    msg += ")";
  }
  throw std::out_of_range(msg);
}

void StateDict::throw_kind_mismatch(const Entry& e, StateKind wanted) const {
  throw std::invalid_argument("StateDict: entry '" + e.name + "' holds " + describe(e.value) + ", not " +
                              (wanted == StateKind::Int ? "an " : "a ") + state_kind_name(wanted));
}

const StateValue& StateDict::get(const std::string& key) const { return find(key).value; }
StateKind StateDict::kind(const std::string& key) const { return find(key).kind(); }

const Tensor& StateDict::get_tensor(const std::string& key) const {
  const Entry& e = find(key);
  if (e.kind() != StateKind::Tensor) throw_kind_mismatch(e, StateKind::Tensor);
  return std::get<Tensor>(e.value);
}
int64_t StateDict::get_int(const std::string& key) const {
  const Entry& e = find(key);
  if (e.kind() != StateKind::Int) throw_kind_mismatch(e, StateKind::Int);
  return std::get<int64_t>(e.value);
}
double StateDict::get_double(const std::string& key) const {
  const Entry& e = find(key);
  if (e.kind() != StateKind::Double) throw_kind_mismatch(e, StateKind::Double);
  return std::get<double>(e.value);
}
const std::string& StateDict::get_string(const std::string& key) const {
  const Entry& e = find(key);
  if (e.kind() != StateKind::String) throw_kind_mismatch(e, StateKind::String);
  return std::get<std::string>(e.value);
}

bool StateDict::erase(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  size_t pos = it->second;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(pos));
  index_.erase(it);
  for (auto& [name, i] : index_)
    if (i > pos) --i;
  return true;
}

void StateDict::clear() {
  entries_.clear();
  index_.clear();
}

std::vector<std::string> StateDict::keys() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(e.name);
  return out;
}

size_t StateDict::tensor_count() const {
  size_t n = 0;
  for (const Entry& e : entries_) n += e.kind() == StateKind::Tensor;
  return n;
}

uint64_t StateDict::tensor_bytes() const {
  uint64_t n = 0;
  for (const Entry& e : entries_)
    if (e.kind() == StateKind::Tensor) n += std::get<Tensor>(e.value).nbytes();
  return n;
}

NamedTensors StateDict::tensors() const {
  NamedTensors out;
  for (const Entry& e : entries_)
    if (e.kind() == StateKind::Tensor) out.insert(e.name, std::get<Tensor>(e.value));
  return out;
}

}  // namespace ag
