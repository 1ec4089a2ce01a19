// ModuleDict: modules kept under names, in insertion order, as PyTorch's
// nn.ModuleDict. It registers them under those names ("blocks.enc.weight") and
// has no forward: the owner picks modules by name and calls them.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ag/nn/module.h"
#include "ag/nn/module_index.h"
#include "ag/ordered_dict.h"

namespace ag::nn {

/// A (name, module) pair for a braced list: the module may be a holder, a
/// shared_ptr or a module object given as an rvalue, as a container takes it.
struct NamedModule {
  template <detail::ModuleArg M>
  NamedModule(std::string name, M&& module)  // NOLINT(google-explicit-constructor): built from `{"name", module}`
      : name(std::move(name)), module(detail::hold(std::forward<M>(module))) {}
  std::string name;
  ModulePtr module;
};

/// Names are registration names: non-empty and without '.'.
///
///     ag::nn::ModuleDict blocks({{"enc", ag::nn::Linear(4, 2)}, {"dec", ag::nn::Linear(2, 4)}});
///     auto z = blocks->at<ag::nn::LinearImpl>("enc").forward(x);
class ModuleDictImpl : public Module {
 public:
  using Item = std::pair<std::string, ModulePtr>;

  ModuleDictImpl() = default;
  /// The modules in the given order (libtorch's constructor).
  explicit ModuleDictImpl(const std::vector<Item>& modules) { update(modules); }
  explicit ModuleDictImpl(const OrderedDict<ModulePtr>& modules) { update(modules); }
  /// From a braced list: `ModuleDictImpl({{"enc", Linear(4, 2)}})`.
  ModuleDictImpl(std::initializer_list<NamedModule> modules) { update(modules); }

  /// Adds `module` under `name`, or replaces the module of that name in its place
  /// (Python's `dict[name] = module`).
  template <detail::ModuleArg M>
  void insert(const std::string& name, M&& module) {
    set(name, detail::hold(std::forward<M>(module)));
  }
  /// insert for every pair of a list of (name, module) pairs, an OrderedDict, another
  /// ModuleDict (its holder or Impl) or a braced list, in their order.
  template <typename Items>
  void update(const Items& items) {
    if constexpr (detail::Holder<Items>) {
      update(*items);
    } else {
      for (const auto& item : items) {
        if constexpr (requires { item.module; }) set(item.name, item.module);
        else set(item.first, detail::hold(item.second));
      }
    }
  }
  void update(std::initializer_list<NamedModule> items) { update<std::initializer_list<NamedModule>>(items); }

  /// Removes the module `name` and returns it; throws std::out_of_range naming the keys if absent.
  ModulePtr pop(const std::string& name);
  /// Removes every module.
  void clear();

  /// The module `name`; throws std::out_of_range naming the keys if absent.
  ModulePtr operator[](const std::string& name) const { return modules_[name]; }
  /// The module `name` as its concrete class; throws if it is absent or another class.
  template <typename M>
  std::shared_ptr<M> ptr(const std::string& name) const {
    return detail::module_as<M>("ModuleDict::at('" + name + "')", (*this)[name]);
  }
  /// The module `name` as its concrete class (`at<LinearImpl>("enc")`).
  template <typename M>
  M& at(const std::string& name) const {
    return *ptr<M>(name);
  }
  bool contains(const std::string& name) const { return modules_.contains(name); }
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  /// libtorch's name for empty().
  bool is_empty() const { return empty(); }
  /// The names, in order.
  std::vector<std::string> keys() const { return modules_.keys(); }
  /// The modules, in order.
  std::vector<ModulePtr> values() const { return modules_.values(); }
  /// (name, module) pairs, in order.
  std::vector<Item> items() const;
  /// Iterates (name, module) pairs in order; `for (const auto& [name, m] : *dict)`.
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  void set(const std::string& name, ModulePtr module);

  OrderedDict<ModulePtr> modules_;
};

/// The holder of a ModuleDictImpl. Written out (not AG_MODULE) to take a braced
/// list of pairs, which the holder's forwarding constructor cannot deduce.
class ModuleDict : public ModuleHolder<ModuleDictImpl> {
 public:
  using ModuleHolder<ModuleDictImpl>::ModuleHolder;
  ModuleDict() = default;
  ModuleDict(std::initializer_list<NamedModule> modules)
      : ModuleHolder<ModuleDictImpl>(std::make_shared<ModuleDictImpl>(modules)) {}
};

}  // namespace ag::nn
