// libtorch's options form of dropout:
// `F::dropout(x, F::DropoutFuncOptions().p(0.5).training(is_training()))`, forwarded to
// the positional function. The activations (leaky_relu, softmax, ...) keep a single
// overload each, so that `Functional(F::leaky_relu, 0.2)` names one function. The calls
// are qualified: ag::dropout (ag/functions.h) would be found too by argument lookup.
#pragma once
#include <cstdint>

#include "ag/arg.h"
#include "ag/nn/functional.h"
#include "ag/nn/functional_conv.h"

namespace ag::nn::functional {

/// dropout's and dropout2d's options. `inplace` is accepted and computes out of place.
class DropoutFuncOptions {
 public:
  DropoutFuncOptions(double p = 0.5) : p_(p) {}  // NOLINT: implicit, as in libtorch
  AG_ARG(double, p);
  AG_ARG(bool, inplace) = false;
  AG_ARG(bool, training) = true;
};
using Dropout2dFuncOptions = DropoutFuncOptions;

inline Tensor dropout(const Tensor& input, const DropoutFuncOptions& options) {
  return functional::dropout(input, options.p(), options.training());
}
inline Tensor dropout2d(const Tensor& input, const DropoutFuncOptions& options) {
  return functional::dropout2d(input, options.p(), options.training());
}

}  // namespace ag::nn::functional
