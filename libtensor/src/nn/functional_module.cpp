// Functional: calls the function it holds.
#include "ag/nn/functional_module.h"

#include <stdexcept>

namespace ag::nn {

FunctionalImpl::FunctionalImpl(Function function) : function_(std::move(function)) {
  if (!function_) throw std::invalid_argument("Functional: got an empty function");
}

Tensor FunctionalImpl::forward(const Tensor& input) { return function_(input); }

}  // namespace ag::nn
