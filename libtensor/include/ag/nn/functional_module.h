// Functional: a function of one tensor as a module, so it can sit in a
// Sequential (libtorch's nn::Functional; PyTorch writes a lambda module instead).
#pragma once
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ag/nn/module.h"

namespace ag::nn {

/// Holds no parameters; forward(x) calls the function. Extra arguments given at
/// construction are passed after the input on every call:
///
///     ag::nn::Sequential net{ag::nn::Linear(4, 4), ag::nn::Functional(ag::relu),
///                            ag::nn::Functional(ag::nn::functional::leaky_relu, 0.2)};
class FunctionalImpl : public Module {
 public:
  using Function = std::function<Tensor(Tensor)>;

  explicit FunctionalImpl(Function function);
  /// Binds `args` (copied) after the input: forward(x) is function(x, args...).
  template <typename F, typename Arg, typename... Args>
    requires std::is_invocable_r_v<Tensor, const std::decay_t<F>&, const Tensor&, const std::decay_t<Arg>&,
                                   const std::decay_t<Args>&...>
  FunctionalImpl(F&& function, Arg&& arg, Args&&... args)
      : FunctionalImpl(Function([f = std::forward<F>(function),
                                 bound = std::make_tuple(std::forward<Arg>(arg), std::forward<Args>(args)...)](Tensor x) {
          return std::apply([&](const auto&... a) { return Tensor(std::invoke(f, x, a...)); }, bound);
        })) {}

  Tensor forward(const Tensor& input) override;

 private:
  Function function_;
};

/// The holder: `Functional(ag::relu)`, `Functional(F::leaky_relu, 0.2)`.
AG_MODULE(Functional);

}  // namespace ag::nn
