// Dropout, Dropout2d and Flatten: layers whose behaviour is a single functional call.
#include "ag/nn/dropout.h"

#include <stdexcept>

#include "ag/nn/flatten.h"
#include "ag/nn/functional.h"
#include "ag/nn/functional_conv.h"
#include "nn/python_repr.h"

namespace ag::nn {

namespace {
void check_probability(double p) {
  if (!(p >= 0 && p <= 1))
    throw std::invalid_argument("dropout probability has to be between 0 and 1, but got " + detail::python_float(p));
}
std::string dropout_repr(const DropoutOptions& o) {
  return "p=" + detail::python_float(o.p()) + ", inplace=" + detail::python_bool(o.inplace());
}
}  // namespace

DropoutImpl::DropoutImpl(const DropoutOptions& o) : options(o) { check_probability(o.p()); }
Tensor DropoutImpl::forward(const Tensor& input) { return functional::dropout(input, options.p(), is_training()); }
std::string DropoutImpl::extra_repr() const { return dropout_repr(options); }

Dropout2dImpl::Dropout2dImpl(const Dropout2dOptions& o) : options(o) { check_probability(o.p()); }
Tensor Dropout2dImpl::forward(const Tensor& input) { return functional::dropout2d(input, options.p(), is_training()); }
std::string Dropout2dImpl::extra_repr() const { return dropout_repr(options); }

std::string FlattenImpl::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

}  // namespace ag::nn
