// Module registration, the recursive listings (pre-order, deduplicated by
// identity), modes, zero_grad, dtype conversion and printing.
#include "ag/nn/module.h"

#include <cxxabi.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <typeinfo>

#include "ag/grad_mode.h"
#include "tensor/make.h"

namespace ag::nn {

Tensor Module::forward(const Tensor&) {
  throw std::logic_error(name() + " has no forward(input) override: it was called as a Module (through a "
                                  "ModulePtr), which reaches only `Tensor forward(const Tensor&) override`; call "
                                  "a forward of another signature through the module's holder or its own class");
}

void Module::check_free_name(const std::string& name, const char* kind) const {
  std::string what = std::string("register_") + kind + "('" + name + "')";
  if (name.empty()) throw std::invalid_argument(what + ": the name must not be empty");
  if (name.find('.') != std::string::npos) throw std::invalid_argument(what + ": the name must not contain '.'");
  auto clash = [&](bool taken, const char* other) {
    if (taken && std::string(kind) != other)
      throw std::invalid_argument(what + ": '" + name + "' is already registered as a " + other);
  };
  clash(parameters_.contains(name), "parameter");
  clash(buffers_.contains(name), "buffer");
  clash(children_.contains(name), "module");
}

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_free_name(name, "parameter");
  if (t.defined()) {
    if (!t.is_leaf())
      throw std::invalid_argument("register_parameter('" + name +
                                  "'): a parameter must be a leaf tensor; pass t.detach() instead of a computed tensor");
    t.requires_grad_(requires_grad);
  }
  return parameters_.insert_or_assign(name, std::move(t));
}

Tensor Module::register_buffer(const std::string& name, Tensor t, bool persistent) {
  check_free_name(name, "buffer");
  if (persistent) non_persistent_.erase(name);
  else non_persistent_.insert(name);
  return buffers_.insert_or_assign(name, std::move(t));
}

void Module::add_child(const std::string& name, ModulePtr child) {
  check_free_name(name, "module");
  if (!child) throw std::invalid_argument("register_module('" + name + "'): got a null module");
  children_.insert_or_assign(name, std::move(child));
}

void Module::remove_child(const std::string& name) {
  if (!children_.contains(name)) throw std::out_of_range(this->name() + ": no child module named '" + name + "'");
  OrderedDict<ModulePtr> kept;
  for (auto& [key, child] : children_)
    if (key != name) kept.insert(key, std::move(child));
  children_ = std::move(kept);
}

// ---- listings

void Module::collect_modules(const std::string& prefix, NamedModuleRefs& out, std::unordered_set<const Module*>& seen) const {
  if (!seen.insert(this).second) return;
  out.emplace_back(prefix, this);
  for (const auto& [name, child] : children_) child->collect_modules(prefix.empty() ? name : prefix + "." + name, out, seen);
}

OrderedDict<Tensor> Module::collect_tensors(bool recurse, bool buffers) const {
  NamedModuleRefs modules;
  std::unordered_set<const Module*> seen_modules;
  if (recurse) collect_modules("", modules, seen_modules);
  else modules.emplace_back("", this);
  OrderedDict<Tensor> out;
  std::unordered_set<const TensorImpl*> seen;
  for (const auto& [prefix, m] : modules)
    for (const auto& [name, t] : buffers ? m->buffers_ : m->parameters_) {
      if (!t.defined() || !seen.insert(t.unsafe_impl()).second) continue;
      out.insert(prefix.empty() ? name : prefix + "." + name, t);
    }
  return out;
}

OrderedDict<Tensor> Module::named_parameters(bool recurse) const { return collect_tensors(recurse, false); }
std::vector<Tensor> Module::parameters(bool recurse) const { return named_parameters(recurse).values(); }
OrderedDict<Tensor> Module::named_buffers(bool recurse) const { return collect_tensors(recurse, true); }
std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

OrderedDict<ModulePtr> Module::named_children() const {
  OrderedDict<ModulePtr> out;
  std::unordered_set<const Module*> seen;
  for (const auto& [name, child] : children_)
    if (seen.insert(child.get()).second) out.insert(name, child);
  return out;
}

std::vector<ModulePtr> Module::children() const { return named_children().values(); }

void Module::apply(const std::function<void(Module&)>& fn) {
  NamedModuleRefs modules;
  std::unordered_set<const Module*> seen;
  collect_modules("", modules, seen);
  // Post-order, as Module.apply: every child before its parent.
  for (auto it = modules.rbegin(); it != modules.rend(); ++it) fn(const_cast<Module&>(*it->second));
}

// ---- modes and gradients

void Module::train(bool on) {
  apply([on](Module& m) { m.training_ = on; });
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (Tensor& p : parameters()) {
    Tensor& g = p.mutable_grad();
    if (!g.defined()) continue;
    if (set_to_none) g.reset();
    else g.zero_();
  }
}

namespace {
// Swaps the memory behind `t` for a converted copy; the handle (and so every
// reference to the tensor) stays the same, as Python's `param.data = ...` does.
void convert_in_place(const Tensor& t, ScalarType dtype) {
  if (!t.defined() || !t.is_floating_point() || t.dtype() == dtype) return;
  Tensor c = t.detach().to(dtype).contiguous();
  TensorImpl* impl = t.unsafe_impl();
  impl->storage = c.unsafe_impl()->storage;
  impl->sizes = c.sizes();
  impl->strides = c.strides();
  impl->offset = c.storage_offset();
  impl->dtype = dtype;
}
}  // namespace

void Module::to(ScalarType dtype) {
  if (!is_floating_point(dtype))
    throw std::invalid_argument(std::string("Module::to: only floating point dtypes are supported, got ") +
                                dtype_name(dtype));
  for (Tensor& p : parameters()) {
    convert_in_place(p, dtype);
    convert_in_place(p.grad(), dtype);
  }
  for (const Tensor& b : buffers()) convert_in_place(b, dtype);
}

// ---- printing

std::string Module::name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : mangled;
  std::free(demangled);
  // Drop namespaces and enclosing scopes ("ag::nn::Linear" → "Linear"), but not
  // inside template arguments.
  size_t end = full.find('<');
  size_t cut = full.rfind("::", end == std::string::npos ? std::string::npos : end);
  std::string base = cut == std::string::npos ? full : full.substr(cut + 2);
  // A holder's module class is "LinearImpl"; PyTorch prints "Linear".
  const std::string impl = "Impl";
  if (base.size() > impl.size() && base.ends_with(impl)) base.resize(base.size() - impl.size());
  return base;
}

std::string Module::indent_repr(const std::string& s, int spaces) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out.append(static_cast<size_t>(spaces), ' ');
  }
  return out;
}

std::vector<std::string> Module::repr_child_lines() const {
  std::vector<std::string> lines;
  for (const auto& [name, child] : children_) lines.push_back("(" + name + "): " + indent_repr(child->repr(), 2));
  return lines;
}

std::string Module::repr() const {
  std::vector<std::string> lines;
  std::string extra = extra_repr();
  size_t extra_lines = 0;
  if (!extra.empty()) {
    std::istringstream in(extra);
    for (std::string line; std::getline(in, line);) lines.push_back(line), ++extra_lines;
  }
  std::vector<std::string> children = repr_child_lines();
  lines.insert(lines.end(), children.begin(), children.end());
  std::string out = name() + "(";
  if (extra_lines == 1 && children.empty()) {
    out += lines[0];
  } else if (!lines.empty()) {
    out += "\n";
    for (const auto& line : lines) out += "  " + line + "\n";
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Module& module) { return os << module.repr(); }

}  // namespace ag::nn
