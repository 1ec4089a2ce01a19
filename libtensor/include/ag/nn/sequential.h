// Sequential: a chain of modules, each fed the previous one's output.
#pragma once
#include <cstdint>
#include <concepts>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ag/nn/module.h"

namespace ag::nn {

/// Children are named "0", "1", ... in order, so a Sequential of Linear, ReLU,
/// Linear has parameters "0.weight", "0.bias", "2.weight", "2.bias" as in PyTorch.
///
///     ag::nn::Sequential block{ag::nn::Linear(4, 2), ag::nn::Sigmoid()};
///     auto out = block(ag::ones({2, 3, 4}));
///
/// Note [Construction order]: write the list in braces. C++ evaluates a braced
/// list left to right but function arguments in an unspecified order (GCC goes
/// right to left), and each Linear draws its initial values when constructed,
/// so only braces give the values PyTorch gives for the same seed. (libtorch's
/// Sequential has the same trap.)
class Sequential : public Module {
 public:
  Sequential() = default;
  /// Modules by value (moved into shared_ptrs) or by shared_ptr (shared), in order.
  /// (A single Sequential argument is a copy, not a nesting.)
  template <detail::ModuleArg... Ms>
    requires(sizeof...(Ms) > 0 && !(sizeof...(Ms) == 1 && (std::same_as<std::decay_t<Ms>, Sequential> && ...)))
  explicit Sequential(Ms&&... modules) {
    (push_back(std::forward<Ms>(modules)), ...);
  }

  /// Appends a module under the next index; returns it.
  template <detail::ModuleArg M>
  auto push_back(M&& module) {
    auto held = detail::hold(std::forward<M>(module));
    add_child(std::to_string(modules_.size()), held);
    modules_.push_back(held);
    return held;
  }

  /// The module at `index` (negative counts from the end, as in Python).
  ModulePtr operator[](int64_t index) const;
  /// The module at `index` as its concrete type; throws if it is another type.
  template <typename M>
  std::shared_ptr<M> at(int64_t index) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[index]);
    if (!m) throw std::invalid_argument("Sequential::at(" + std::to_string(index) + "): the module is a " + (*this)[index]->name());
    return m;
  }
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

  /// Feeds the input through every module in order (an empty Sequential returns it unchanged).
  Tensor forward(const Tensor& input) override;

 private:
  std::vector<ModulePtr> modules_;
};

}  // namespace ag::nn
