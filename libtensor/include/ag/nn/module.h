// ag::nn::Module: the base of every layer and model. It holds parameters,
// buffers and child modules in registration order, so the dotted names it
// hands out ("model.0.weight") are the ones PyTorch gives the same model.
#pragma once
#include <concepts>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ag/nn/module_holder.h"
#include "ag/ordered_dict.h"
#include "ag/state_dict.h"
#include "ag/tensor.h"

namespace ag::nn {

class Module;
/// Modules are shared: a parent and the code that built it hold the same child.
using ModulePtr = std::shared_ptr<Module>;

/// What load_state_dict found (PyTorch's _IncompatibleKeys); only non-empty with strict=false.
struct LoadStateDictResult {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
};

namespace detail {
template <typename T> struct is_shared_ptr : std::false_type {};
template <typename T> struct is_shared_ptr<std::shared_ptr<T>> : std::true_type {};

/// A module a container may hold: a holder or shared_ptr (shared as is) or a
/// module object given as an rvalue (moved into a new shared_ptr). An lvalue
/// module object is refused: it would be copied, and later changes to it
/// (eval(), new weights) would not reach the copy.
template <typename M>
concept ModuleArg = Holder<M> ||
                    (is_shared_ptr<std::decay_t<M>>::value &&
                     std::derived_from<typename std::decay_t<M>::element_type, Module>) ||
                    (std::derived_from<std::remove_reference_t<M>, Module> && !std::is_lvalue_reference_v<M>);

/// The shared_ptr a ModuleArg stands for.
template <ModuleArg M>
auto hold(M&& m) {
  using D = std::decay_t<M>;
  if constexpr (Holder<M>) return m.ptr();
  else if constexpr (is_shared_ptr<D>::value) return std::shared_ptr<typename D::element_type>(std::forward<M>(m));
  else return std::make_shared<D>(std::forward<M>(m));
}

/// The module class a ModuleArg holds (`LinearImpl` for a `Linear`), as written
/// in the program: what a container calls forward on.
template <ModuleArg M>
using held_t = typename decltype(hold(std::declval<M>()))::element_type;
}  // namespace detail

/// Base class of layers and models. A subclass registers what it owns in its
/// constructor and defines forward, with whatever parameters and result it needs
/// (the holder and Sequential call it as declared in the subclass):
///
///     struct NetImpl : ag::nn::Module {
///       NetImpl() { fc = register_module("fc", ag::nn::Linear(4, 2)); }
///       ag::Tensor forward(ag::Tensor x) { return fc(x).relu(); }
///       ag::nn::Linear fc{nullptr};
///     };
///     AG_MODULE(Net);  // Net net; net(x); net->fc->weight
///
/// Copies are shallow (they share parameter tensors and children), like
/// Python's copy.copy of a module.
class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = default;
  Module(Module&&) = default;
  Module& operator=(const Module&) = default;
  Module& operator=(Module&&) = default;

  /// The computation on one input, for callers that know a module only as a
  /// Module (a model chosen by name at run time). The default throws. Departure
  /// from libtorch, whose Module has no forward: the library's own layers override
  /// this one, but a subclass may instead declare its own forward (by value, with
  /// other arguments, another result); the holder and Sequential call that one.
  ///
  /// There is deliberately no Module::operator()(x): on a subclass that declares
  /// its own forward it would call this virtual one instead (the base's, or a
  /// parent class's), silently. Call `holder(x)` or `impl.forward(x)`.
  virtual Tensor forward(const Tensor& input);

  // ---- registration (names must be non-empty and contain no '.')
  /// Registers `t` as a parameter and marks it requires_grad (it must be a leaf).
  /// An undefined tensor records the name with no value, like Python's None: it
  /// is skipped by parameters() and state_dict(). Registering an existing
  /// parameter name replaces the value in place (how weights are tied).
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  /// Registers state that is not trained (running statistics, class weights).
  /// Non-persistent buffers are left out of state_dict().
  Tensor register_buffer(const std::string& name, Tensor t, bool persistent = true);
  /// Registers a child module given by holder; returns the same holder (sharing
  /// the module) to keep as a member: `fc = register_module("fc", Linear(4, 2));`.
  template <detail::Holder H>
  std::decay_t<H> register_module(const std::string& name, H&& holder) {
    add_child(name, holder.ptr());
    return std::forward<H>(holder);
  }
  /// Registers a child module given by shared_ptr; returns it.
  template <typename M>
    requires std::derived_from<M, Module>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  /// A module object cannot be registered: the registry would hold a copy, and
  /// the member forward uses would miss eval(), to(dtype) and loaded weights.
  /// Pass a holder or a shared_ptr instead. (Deleted rather than sharing, since
  /// a module object has no shared owner to share with.)
  template <typename M>
    requires std::derived_from<std::decay_t<M>, Module>
  void register_module(const std::string& name, M&& module) = delete;

  // ---- listings (recursive by default; pre-order: a module's own entries, then each child's)
  /// Parameters in registration order, each once even when tied or shared.
  std::vector<Tensor> parameters(bool recurse = true) const;
  /// Parameters under dotted names ("0.weight", "model.2.bias"); tied ones under their first name.
  OrderedDict<Tensor> named_parameters(bool recurse = true) const;
  /// Buffers (persistent or not) in registration order, each once.
  std::vector<Tensor> buffers(bool recurse = true) const;
  /// Buffers under dotted names.
  OrderedDict<Tensor> named_buffers(bool recurse = true) const;
  /// Immediate children, each once.
  std::vector<ModulePtr> children() const;
  /// Immediate children under their registered names.
  OrderedDict<ModulePtr> named_children() const;
  /// Calls fn on every descendant (children first, each once) and then on this module, like Module.apply.
  void apply(const std::function<void(Module&)>& fn);

  // ---- modes and gradients
  /// Sets training mode here and in every descendant (Dropout reads it).
  void train(bool on = true);
  /// train(false).
  void eval() { train(false); }
  /// Whether this module is in training mode.
  bool is_training() const { return training_; }
  /// Clears the gradients of all parameters: to undefined by default (PyTorch 2.x), or to zeros.
  void zero_grad(bool set_to_none = true);
  /// Converts floating point parameters, buffers and their gradients to `dtype`
  /// in place, keeping the tensors' identity (so optimizers keep their references),
  /// like Module.to(dtype).
  void to(ScalarType dtype);
  /// Nothing to move for the CPU; throws for any other device (see ag/device.h).
  void to(Device device) { check_cpu_device(device, "Module::to"); }
  void to(Device device, ScalarType dtype) {
    to(device);
    to(dtype);
  }

  // ---- state
  /// Every parameter and persistent buffer under its dotted name, detached (sharing memory).
  /// Tied parameters appear under each name, as in PyTorch.
  StateDict state_dict() const;
  /// Copies values from `dict` into the parameters and buffers in place (dtype is converted).
  /// Throws std::runtime_error listing the missing keys, the unexpected keys (strict only)
  /// and the keys whose shapes differ. Departure from PyTorch: everything is checked
  /// before anything is copied, so a failed load leaves the module unchanged.
  LoadStateDictResult load_state_dict(const StateDict& dict, bool strict = true);

  // ---- printing
  /// The class name shown by repr (the C++ class name without namespaces).
  virtual std::string name() const;
  /// The text inside the parentheses, as in PyTorch ("in_features=4, out_features=2, bias=True").
  virtual std::string extra_repr() const { return ""; }
  /// PyTorch's module repr: name, extra_repr, and each child on its own indented line.
  std::string repr() const;

 protected:
  /// Registers a child under `name` (replacing a child of the same name in place).
  void add_child(const std::string& name, ModulePtr child);
  /// Unregisters the child `name` (ModuleDict::pop); throws std::out_of_range if there is none.
  void remove_child(const std::string& name);
  /// repr's lines for the children, "(name): repr" each; ModuleList groups repeats.
  virtual std::vector<std::string> repr_child_lines() const;
  /// Python's _addindent: indents every line of `s` but the first by `spaces`.
  static std::string indent_repr(const std::string& s, int spaces);

 private:
  using NamedModuleRefs = std::vector<std::pair<std::string, const Module*>>;  // not "ModuleList": that would hide nn::ModuleList in subclasses
  void collect_modules(const std::string& prefix, NamedModuleRefs& out, std::unordered_set<const Module*>& seen) const;
  OrderedDict<Tensor> collect_tensors(bool recurse, bool buffers) const;
  void collect_state(const std::string& prefix, StateDict& out) const;
  void check_free_name(const std::string& name, const char* kind) const;

  OrderedDict<Tensor> parameters_;  // undefined value = registered as None
  OrderedDict<Tensor> buffers_;
  std::unordered_set<std::string> non_persistent_;
  OrderedDict<ModulePtr> children_;
  bool training_ = true;
};

/// Prints module.repr().
std::ostream& operator<<(std::ostream& os, const Module& module);

/// Prints the module a shared_ptr holds (instead of std's pointer address).
template <typename M>
  requires std::derived_from<M, Module>
std::ostream& operator<<(std::ostream& os, const std::shared_ptr<M>& module) {
  return module ? os << *module : os << "None";
}

}  // namespace ag::nn
