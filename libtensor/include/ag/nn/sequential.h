// Sequential: a chain of modules, each fed the previous one's output.
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

/// A module class Sequential can chain: `m.forward(x)` with one Tensor gives a
/// Tensor, looked up in M as declared there, so a by-value `Tensor forward(Tensor)`
/// that hides Module's virtual forward is the one found.
template <typename M>
concept ChainableModule = std::derived_from<M, Module> && requires(M& m, const Tensor& x) {
  { m.forward(x) } -> std::convertible_to<Tensor>;
};

/// Children are named "0", "1", ... in order, so a Sequential of Linear, ReLU,
/// Linear has parameters "0.weight", "0.bias", "2.weight", "2.bias" as in PyTorch.
///
///     ag::nn::Sequential block{ag::nn::Linear(4, 2), ag::nn::Sigmoid()};
///     auto out = block(ag::ones({2, 3, 4}));
///
/// Each module's forward is the one its class declares, captured when it is added
/// (from the static type of the holder, shared_ptr or object given), as libtorch's
/// AnyModule does: a module added as a plain `shared_ptr<Module>` is called through
/// Module's virtual forward.
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

  /// Appends a module under the next index. Its class must be a ChainableModule;
  /// one with another forward belongs in a ModuleList, called by hand.
  template <detail::ModuleArg M>
  void push_back(M&& module) {
    using Held = detail::held_t<M>;
    static_assert(ChainableModule<Held>,
                  "Sequential::push_back: the module's forward cannot be called with one Tensor to give a Tensor, "
                  "so it cannot be chained; keep it in a ModuleList (or a member) and call it yourself");
    append(detail::hold(std::forward<M>(module)), &call_forward<Held>);
  }
  /// Appends the modules of another Sequential, each with the forward it was added with.
  void extend(const SequentialImpl& other);
  template <detail::Holder H>
    requires std::same_as<typename std::decay_t<H>::ContainedType, SequentialImpl>
  void extend(const H& other) {
    extend(*other);
  }
  /// Appends every module of a container of ModuleArgs (holders, shared_ptrs).
  template <typename Container>
    requires(!std::derived_from<Container, SequentialImpl> && !detail::Holder<Container>)
  void extend(const Container& modules) {
    for (const auto& m : modules) push_back(m);
  }

  /// The module at `index` (negative counts from the end, as in Python).
  ModulePtr operator[](int64_t index) const { return ptr(index); }
  /// The module at `index`.
  ModulePtr ptr(int64_t index) const { return modules_[detail::module_index("Sequential", index, modules_.size())]; }
  /// The shared_ptr to the module at `index` as its concrete class; throws if it is another class.
  template <typename M>
  std::shared_ptr<M> ptr(int64_t index) const {
    return detail::module_as<M>("Sequential::at(" + std::to_string(index) + ")", ptr(index));
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
  /// Iterates the modules as ModulePtr (pushing those into another Sequential
  /// calls their virtual forward; use extend to keep the captured one).
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

  /// Feeds the input through every module in order (an empty Sequential returns it unchanged).
  Tensor forward(const Tensor& input) override;

 private:
  using Forward = Tensor (*)(Module&, const Tensor&);
  template <typename M>
  static Tensor call_forward(Module& m, const Tensor& x) {
    return static_cast<M&>(m).forward(x);
  }
  void append(ModulePtr module, Forward forward);

  std::vector<ModulePtr> modules_;
  std::vector<Forward> forwards_;  // forwards_[i] calls modules_[i]'s own forward
};

/// The holder of a SequentialImpl: `Sequential seq{Linear(4, 3), ReLU()}; seq->push_back(Linear(3, 2));`.
/// Copies are handles to the same Sequential, so `Sequential{other}` (or
/// `Sequential{other.ptr()}`) with one Sequential argument is `other` itself, as
/// in libtorch; nest it with `seq->push_back(other)`.
AG_MODULE(Sequential);

}  // namespace ag::nn
