// ModuleHolder<Impl>: libtorch's "pimpl" handle to a module. `nn::Linear` is a
// holder of an `nn::LinearImpl`; copying a holder shares the module, so a member,
// its registration and every copy are one module (eval() reaches them all).
#pragma once
#include <cstddef>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace ag::nn {

/// A shared handle to an `Impl` module: `->`, `*`, get(), ptr(), is_empty(), and
/// `holder(args...)` for `holder->forward(args...)`.
template <typename Impl>
class ModuleHolder {
 public:
  using ContainedType = Impl;

  /// Builds a default Impl. A module whose constructor needs arguments has no
  /// default holder: declare it `Name name{nullptr};` and assign it later.
  ModuleHolder()
    requires std::is_default_constructible_v<Impl>
      : impl_(std::make_shared<Impl>()) {}
  /// An empty holder, filled by a later assignment (`Linear fc{nullptr};`).
  ModuleHolder(std::nullptr_t) {}  // NOLINT(google-explicit-constructor): libtorch's `{nullptr}` idiom
  /// Shares an existing module.
  ModuleHolder(std::shared_ptr<Impl> module) : impl_(std::move(module)) {}  // NOLINT(google-explicit-constructor)
  /// Builds the module from its constructor arguments: `Linear(4, 2)`.
  template <typename Head, typename... Tail>
    requires(!std::is_same_v<std::decay_t<Head>, std::nullptr_t> &&
             !std::is_base_of_v<ModuleHolder, std::decay_t<Head>> &&
             !std::is_same_v<std::decay_t<Head>, std::shared_ptr<Impl>> && std::is_constructible_v<Impl, Head, Tail...>)
  explicit ModuleHolder(Head&& head, Tail&&... tail)
      : impl_(std::make_shared<Impl>(std::forward<Head>(head), std::forward<Tail>(tail)...)) {}

  Impl* operator->() { return get(); }
  const Impl* operator->() const { return get(); }
  Impl& operator*() { return *get(); }
  const Impl& operator*() const { return *get(); }
  /// The module; throws std::logic_error if the holder is empty.
  Impl* get() const {
    if (!impl_) throw std::logic_error("ModuleHolder: the holder is empty (declared {nullptr}); assign it a module before use");
    return impl_.get();
  }
  /// The shared_ptr to the module (null when empty).
  const std::shared_ptr<Impl>& ptr() const { return impl_; }
  /// Whether the holder was built from nullptr and not assigned since.
  bool is_empty() const noexcept { return impl_ == nullptr; }

  /// Calls the module's forward with these arguments, whatever its signature.
  template <typename... Args>
  decltype(auto) operator()(Args&&... args) {
    return get()->forward(std::forward<Args>(args)...);
  }
  /// Indexes the module (Sequential's `seq[i]`).
  template <typename Arg>
  decltype(auto) operator[](Arg&& arg) {
    return (*get())[std::forward<Arg>(arg)];
  }

 private:

  std::shared_ptr<Impl> impl_;
};

/// Prints the held module (or "None" when empty).
template <typename Impl>
std::ostream& operator<<(std::ostream& os, const ModuleHolder<Impl>& holder) {
  return holder.is_empty() ? os << "None" : os << *holder;
}

namespace detail {
template <typename Impl>
void is_holder_of(const ModuleHolder<Impl>&);
/// A ModuleHolder or a class derived from one (what AG_MODULE declares).
template <typename H>
concept Holder = requires(const std::decay_t<H>& h) { detail::is_holder_of(h); };
}  // namespace detail

}  // namespace ag::nn

/// Declares `Name`, the holder of a module class `NameImpl`:
///
///     struct NetImpl : ag::nn::Module { ... };
///     AG_MODULE(Net);   // Net net(args...); net->fc; net(x)
#define AG_MODULE(Name)                                        \
  class Name : public ::ag::nn::ModuleHolder<Name##Impl> {     \
   public:                                                     \
    using ::ag::nn::ModuleHolder<Name##Impl>::ModuleHolder;    \
  }

/// AG_MODULE for a module whose constructor takes one argument that may be
/// written as a braced list: `LayerNorm norm({4, 5});` (a braced list cannot be
/// forwarded through the holder's template constructor).
#define AG_MODULE_WITH_OPTIONS(Name, Options)                                                            \
  class Name : public ::ag::nn::ModuleHolder<Name##Impl> {                                               \
   public:                                                                                               \
    using ::ag::nn::ModuleHolder<Name##Impl>::ModuleHolder;                                              \
    Name() = default;                                                                                    \
    explicit Name(Options options) : ::ag::nn::ModuleHolder<Name##Impl>(std::make_shared<Name##Impl>(std::move(options))) {} \
  }

/// libtorch's spelling of AG_MODULE, so ported code compiles unchanged.
#ifndef TORCH_MODULE
#define TORCH_MODULE(Name) AG_MODULE(Name)
#endif
