// Activation modules: forward to ag::nn::functional, extra_repr as PyTorch's.
#include "ag/nn/activation.h"

#include <stdexcept>

#include "ag/nn/functional.h"
#include "nn/python_repr.h"

namespace ag::nn {

Tensor ReLUImpl::forward(const Tensor& input) { return functional::relu(input); }
std::string ReLUImpl::extra_repr() const { return options.inplace() ? "inplace=True" : ""; }
Tensor SigmoidImpl::forward(const Tensor& input) { return functional::sigmoid(input); }
Tensor TanhImpl::forward(const Tensor& input) { return functional::tanh(input); }

Tensor LeakyReLUImpl::forward(const Tensor& input) { return functional::leaky_relu(input, options.negative_slope()); }
std::string LeakyReLUImpl::extra_repr() const {
  return "negative_slope=" + detail::python_float(options.negative_slope()) +
         (options.inplace() ? ", inplace=True" : "");
}

GELUImpl::GELUImpl(std::string approx) : approximate(std::move(approx)) {
  if (approximate != "none" && approximate != "tanh")
    throw std::invalid_argument("GELU: approximate must be 'none' or 'tanh', got '" + approximate + "'");
}
Tensor GELUImpl::forward(const Tensor& input) { return functional::gelu(input, approximate); }
std::string GELUImpl::extra_repr() const { return "approximate='" + approximate + "'"; }

Tensor SoftmaxImpl::forward(const Tensor& input) { return functional::softmax(input, dim); }
std::string SoftmaxImpl::extra_repr() const { return "dim=" + std::to_string(dim); }

Tensor LogSoftmaxImpl::forward(const Tensor& input) { return functional::log_softmax(input, dim); }
std::string LogSoftmaxImpl::extra_repr() const { return "dim=" + std::to_string(dim); }

}  // namespace ag::nn
