// Dropout and Flatten: layers whose behaviour is a single functional call.
#include "ag/nn/dropout.h"

#include <stdexcept>

#include "ag/nn/flatten.h"
#include "ag/nn/functional.h"
#include "nn/python_repr.h"

namespace ag::nn {

DropoutImpl::DropoutImpl(double p) : p(p) {
  if (!(p >= 0 && p <= 1))
    throw std::invalid_argument("dropout probability has to be between 0 and 1, but got " + detail::python_float(p));
}

Tensor DropoutImpl::forward(const Tensor& input) { return functional::dropout(input, p, is_training()); }
std::string DropoutImpl::extra_repr() const { return "p=" + detail::python_float(p) + ", inplace=False"; }

std::string FlattenImpl::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

}  // namespace ag::nn
