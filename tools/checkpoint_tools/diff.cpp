// `allgrad diff`: per-tensor largest absolute and relative differences between
// two checkpoints, missing, extra and mis-shaped entries; exit 0 when equal.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <variant>

#include "ag/checkpoint.h"
#include "checkpoint_tools.h"
#include "text.h"

namespace ag::tools {

namespace {

struct TensorDiff {
  double max_abs = 0, max_rel = 0;
  bool equal = true;
};

// Same dtype and shape. atol == 0 means bitwise: -0.0 differs from 0.0, and
// NaNs compare by their bits. Otherwise NaN matches NaN, inf matches the same inf.
TensorDiff compare_tensors(const Tensor& a, const Tensor& b, double atol) {
  Tensor ca = a.detach().contiguous(), cb = b.detach().contiguous();
  TensorDiff d;
  if (atol == 0 && (ca.nbytes() == 0 || std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0)) return d;
  const int64_t n = ca.numel();
  AG_DISPATCH_ALL(ca.dtype(), "diff", [&] {
    const scalar_t* pa = static_cast<const scalar_t*>(ca.data_ptr());
    const scalar_t* pb = static_cast<const scalar_t*>(cb.data_ptr());
    for (int64_t i = 0; i < n; ++i) {
      double va = static_cast<double>(pa[i]), vb = static_cast<double>(pb[i]);
      bool na = std::isnan(va), nb = std::isnan(vb);
      if ((na && nb) || va == vb) continue;
      double abs = na || nb ? INFINITY : std::fabs(va - vb);
      double scale = std::max(std::fabs(va), std::fabs(vb));
      double rel = std::isnan(abs / scale) ? INFINITY : abs / scale;
      d.max_abs = std::max(d.max_abs, abs);
      d.max_rel = std::max(d.max_rel, rel);
      if (!(abs <= atol)) d.equal = false;
    }
  });
  if (atol == 0) d.equal = false;  // the bytes differ (maybe only -0.0 vs 0.0 or NaN bits)
  return d;
}

bool scalars_equal(const StateValue& a, const StateValue& b, double atol) {
  if (a.index() != b.index()) return false;
  if (const double* x = std::get_if<double>(&a)) {
    double y = std::get<double>(b);
    if (atol == 0) return std::memcmp(x, &y, sizeof y) == 0;
    return (std::isnan(*x) && std::isnan(y)) || *x == y || std::fabs(*x - y) <= atol;
  }
  if (const int64_t* x = std::get_if<int64_t>(&a)) return *x == std::get<int64_t>(b);
  return std::get<std::string>(a) == std::get<std::string>(b);
}

std::string value_text(const StateValue& v) {
  switch (static_cast<StateKind>(v.index())) {
    case StateKind::Tensor: {
      const Tensor& t = std::get<Tensor>(v);
      return std::string(dtype_name(t.dtype())) + " " + to_string(t.sizes());
    }
    case StateKind::Int: return std::to_string(std::get<int64_t>(v));
    case StateKind::Double: return fmt_g(std::get<double>(v));
    case StateKind::String: return "\"" + std::get<std::string>(v) + "\"";
  }
  return "";
}

struct Counts {
  size_t tensors = 0, scalars = 0, equal = 0, different = 0, only_a = 0, only_b = 0, mismatched = 0;
  bool any_difference() const { return different + only_a + only_b + mismatched > 0; }
};

void diff_section(const StateDict& a, const StateDict& b, double atol, Counts& n, std::ostream& out) {
  Table table({"name", "a", "b", "result", ">max_abs", ">max_rel"});
  std::vector<std::string> names = a.keys();
  for (const std::string& k : b.keys())
    if (!a.contains(k)) names.push_back(k);
  for (const std::string& name : names) {
    bool in_a = a.contains(name), in_b = b.contains(name);
    const StateValue* va = in_a ? &a.get(name) : nullptr;
    const StateValue* vb = in_b ? &b.get(name) : nullptr;
    bool is_tensor = (va ? va->index() : vb->index()) == static_cast<size_t>(StateKind::Tensor);
    ++(is_tensor ? n.tensors : n.scalars);
    std::string ta = va ? value_text(*va) : "-", tb = vb ? value_text(*vb) : "-";
    if (!in_a || !in_b) {
      ++(in_a ? n.only_a : n.only_b);
      table.add({name, ta, tb, in_a ? "only in a" : "only in b"});
      continue;
    }
    if (va->index() != vb->index()) {
      ++n.mismatched;
      table.add({name, ta, tb, "MISMATCHED kind"});
      continue;
    }
    if (!is_tensor) {
      bool eq = scalars_equal(*va, *vb, atol);
      ++(eq ? n.equal : n.different);
      table.add({name, ta, tb, eq ? "equal" : "DIFFERENT"});
      continue;
    }
    const Tensor& x = std::get<Tensor>(*va);
    const Tensor& y = std::get<Tensor>(*vb);
    if (x.dtype() != y.dtype() || x.sizes() != y.sizes()) {
      ++n.mismatched;
      table.add({name, ta, tb, x.dtype() != y.dtype() ? "MISMATCHED dtype" : "MISMATCHED shape"});
      continue;
    }
    TensorDiff d = compare_tensors(x, y, atol);
    ++(d.equal ? n.equal : n.different);
    table.add({name, ta, tb, d.equal ? "equal" : "DIFFERENT", fmt_g(d.max_abs), fmt_g(d.max_rel)});
  }
  if (!table.empty()) table.print(out, "  ");
}

void diff_meta(const CheckpointMeta& a, const CheckpointMeta& b, std::ostream& out) {
  auto line = [&](const char* what, const std::string& x, const std::string& y) {
    if (x != y) out << "  " << what << ": " << x << " vs " << y << "\n";
  };
  out << "metadata (informational; not part of the exit code):\n";
  line("model spec", a.model_spec, b.model_spec);
  line("epoch", std::to_string(a.epoch), std::to_string(b.epoch));
  line("global step", std::to_string(a.global_step), std::to_string(b.global_step));
  line("world size", std::to_string(a.world_size), std::to_string(b.world_size));
  line("allgrad version", a.allgrad_version, b.allgrad_version);
  std::set<std::string> metrics;
  for (const auto& [k, v] : a.metrics) metrics.insert(k);
  for (const auto& [k, v] : b.metrics) metrics.insert(k);
  for (const std::string& k : metrics) {
    auto ia = a.metrics.find(k), ib = b.metrics.find(k);
    line(("metric " + k).c_str(), ia == a.metrics.end() ? "-" : fmt_g(ia->second), ib == b.metrics.end() ? "-" : fmt_g(ib->second));
  }
}

}  // namespace

int diff(const std::string& path_a, const std::string& path_b, double atol, std::ostream& out) {
  if (!(atol >= 0)) throw std::invalid_argument("diff: atol must be >= 0, got " + fmt_g(atol));
  std::string a_path = resolve_checkpoint_path(path_a), b_path = resolve_checkpoint_path(path_b);
  Checkpoint a = load_checkpoint(a_path), b = load_checkpoint(b_path);
  out << "a: " << a_path << "\nb: " << b_path << "\ntolerance: "
      << (atol == 0 ? std::string("bitwise (atol 0)") : "atol " + fmt_g(atol)) << "\n";
  diff_meta(a.meta, b.meta, out);
  Counts n;
  std::set<std::string> sections;
  for (const auto& [name, d] : a.sections) sections.insert(name);
  for (const auto& [name, d] : b.sections) sections.insert(name);
  static const StateDict kEmpty;
  for (const std::string& name : sections) {
    bool in_a = a.has_section(name), in_b = b.has_section(name);
    out << "section '" << name << "'" << (in_a && in_b ? "" : in_a ? " (only in a)" : " (only in b)") << "\n";
    diff_section(in_a ? a.sections.at(name) : kEmpty, in_b ? b.sections.at(name) : kEmpty, atol, n, out);
  }
  out << n.tensors << " tensors and " << n.scalars << " scalars compared: " << n.equal << " equal, " << n.different
      << " different, " << n.only_a << " only in a, " << n.only_b << " only in b, " << n.mismatched << " mismatched\n"
      << (n.any_difference() ? "checkpoints differ" : "checkpoints are equal") << "\n";
  return n.any_difference() ? 1 : 0;
}

}  // namespace ag::tools
