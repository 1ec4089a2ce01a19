// Linear's construction and PyTorch's reset_parameters.
#include "ag/nn/linear.h"

#include <cmath>
#include <stdexcept>

#include "ag/nn/functional.h"
#include "ag/nn/init.h"
#include "nn/python_repr.h"

namespace ag::nn {

LinearImpl::LinearImpl(const LinearOptions& o) : options(o) {
  const int64_t in_features = o.in_features(), out_features = o.out_features();
  if (in_features < 0 || out_features < 0)
    throw std::invalid_argument("Linear: in_features and out_features must be non-negative, got " +
                                std::to_string(in_features) + " and " + std::to_string(out_features));
  weight = register_parameter("weight", empty({out_features, in_features}));
  bias = register_parameter("bias", o.bias() ? empty({out_features}) : Tensor());
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  // kaiming_uniform_(a=√5): gain √(2/(1+a²)) with a² = 5.000000000000001 in double, as in Python.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& input) { return functional::linear(input, weight, bias); }

std::string LinearImpl::extra_repr() const {
  return "in_features=" + std::to_string(options.in_features()) + ", out_features=" + std::to_string(options.out_features()) +
         ", bias=" + detail::python_bool(bias.defined());
}

}  // namespace ag::nn
