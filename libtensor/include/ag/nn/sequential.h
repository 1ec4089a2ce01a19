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
class SequentialImpl : public Module {
 public:
  SequentialImpl() = default;
  /// Holders or shared_ptrs (shared) or module objects given as rvalues (moved), in order.
  template <detail::ModuleArg... Ms>
    requires(sizeof...(Ms) > 0 && !(sizeof...(Ms) == 1 && (std::same_as<std::decay_t<Ms>, SequentialImpl> && ...)))
  explicit SequentialImpl(Ms&&... modules) {
    (push_back(std::forward<Ms>(modules)), ...);
  }

  /// Appends a module under the next index.
  template <detail::ModuleArg M>
  void push_back(M&& module) {
    auto held = detail::hold(std::forward<M>(module));
    add_child(std::to_string(modules_.size()), held);
    modules_.push_back(std::move(held));
  }

  /// The module at `index` (negative counts from the end, as in Python).
  ModulePtr operator[](int64_t index) const;
  /// The module at `index` as its concrete class (`at<LinearImpl>(0)`); throws if it is another class.
  template <typename M>
  M& at(int64_t index) const {
    return *ptr<M>(index);
  }
  /// The shared_ptr to the module at `index` as its concrete class; throws if it is another class.
  template <typename M>
  std::shared_ptr<M> ptr(int64_t index) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[index]);
    if (!m) throw std::invalid_argument("Sequential::at(" + std::to_string(index) + "): the module is a " + (*this)[index]->name() + ", not the class asked for (ask for the module class, e.g. at<LinearImpl>)");
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

/// The holder of a SequentialImpl: `Sequential seq{Linear(4, 3), ReLU()}; seq->push_back(Linear(3, 2));`.
/// Copies are handles to the same Sequential, so `Sequential{other}` with one
/// Sequential argument is `other` itself, as in libtorch; nest it with `Sequential{other.ptr()}`.
AG_MODULE(Sequential);

}  // namespace ag::nn
