// ModuleList: modules kept in a list, as PyTorch's nn.ModuleList. It registers
// them (so parameters, train/eval, state_dict and to(dtype) reach them) but has
// no forward: the owner calls each module, with whatever arguments its forward takes.
#pragma once
#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ag/nn/module.h"
#include "ag/nn/module_index.h"

namespace ag::nn {

/// Children are named "0", "1", ... by position, so a ModuleList registered as
/// "layers" gives parameters "layers.0.weight", "layers.1.weight" as in PyTorch.
///
///     ag::nn::ModuleList layers{ag::nn::Linear(4, 4), ag::nn::Linear(4, 2)};
///     for (int64_t i = 0; i < layers->size(); ++i) x = layers->ptr<ag::nn::LinearImpl>(i)->forward(x);
class ModuleListImpl : public Module {
 public:
  ModuleListImpl() = default;
  /// Holders or shared_ptrs (shared) or module objects given as rvalues (moved), in order.
  template <detail::ModuleArg... Ms>
    requires(sizeof...(Ms) > 0 && !(sizeof...(Ms) == 1 && (std::same_as<std::decay_t<Ms>, ModuleListImpl> && ...)))
  explicit ModuleListImpl(Ms&&... modules) {
    (push_back(std::forward<Ms>(modules)), ...);
  }

  /// Appends a module under the next index.
  template <detail::ModuleArg M>
  void push_back(M&& module) {
    insert_at(modules_.size(), detail::hold(std::forward<M>(module)));
  }
  /// Appends every module of a container: another ModuleList (its holder or
  /// Impl), or anything iterable over ModuleArgs (holders, shared_ptrs).
  template <typename Container>
  void extend(const Container& modules) {
    if constexpr (detail::Holder<Container>) {
      extend(*modules);
    } else {
      // A copy first: `list->extend(*list)` would otherwise read what it appends.
      std::vector<ModulePtr> added;
      for (const auto& m : modules) added.push_back(detail::hold(m));
      for (auto& m : added) insert_at(modules_.size(), std::move(m));
    }
  }
  /// Inserts a module before position `index` (0..size(), negative counts from
  /// the end, as Python's list.insert); later modules move up one name, as in PyTorch.
  template <detail::ModuleArg M>
  void insert(int64_t index, M&& module) {
    insert_at(insert_position(index), detail::hold(std::forward<M>(module)));
  }

  /// The module at `index` (negative counts from the end, as in Python).
  ModulePtr operator[](int64_t index) const { return ptr(index); }
  /// The module at `index`.
  ModulePtr ptr(int64_t index) const { return modules_[detail::module_index("ModuleList", index, modules_.size())]; }
  /// The module at `index` as its concrete class; throws if it is another class.
  template <typename M>
  std::shared_ptr<M> ptr(int64_t index) const {
    return detail::module_as<M>("ModuleList::at(" + std::to_string(index) + ")", ptr(index));
  }
  /// The module at `index` as its concrete class (`at<LinearImpl>(0)`); throws if it is another class.
  template <typename M>
  M& at(int64_t index) const {
    return *ptr<M>(index);
  }
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  /// libtorch's name for empty().
  bool is_empty() const { return empty(); }
  /// Iterates the modules (as ModulePtr) in order.
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 protected:
  /// PyTorch's ModuleList repr: consecutive modules that print alike are one line, "(0-2): 3 x Linear(...)".
  std::vector<std::string> repr_child_lines() const override;

 private:
  size_t insert_position(int64_t index) const;
  void insert_at(size_t position, ModulePtr module);

  std::vector<ModulePtr> modules_;
};

/// The holder of a ModuleListImpl: `ModuleList list{Linear(4, 4), ReLU()}; list->push_back(Linear(4, 2));`.
AG_MODULE(ModuleList);

}  // namespace ag::nn
