// Activation modules: forward to ag::nn::functional, extra_repr as PyTorch's.
#include "ag/nn/activation.h"

#include <stdexcept>

#include "ag/nn/functional.h"
#include "nn/python_repr.h"

namespace ag::nn {

Tensor ReLU::forward(const Tensor& input) { return functional::relu(input); }
Tensor Sigmoid::forward(const Tensor& input) { return functional::sigmoid(input); }
Tensor Tanh::forward(const Tensor& input) { return functional::tanh(input); }

Tensor LeakyReLU::forward(const Tensor& input) { return functional::leaky_relu(input, negative_slope); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + detail::python_float(negative_slope); }

GELU::GELU(std::string approx) : approximate(std::move(approx)) {
  if (approximate != "none" && approximate != "tanh")
    throw std::invalid_argument("GELU: approximate must be 'none' or 'tanh', got '" + approximate + "'");
}
Tensor GELU::forward(const Tensor& input) { return functional::gelu(input, approximate); }
std::string GELU::extra_repr() const { return "approximate='" + approximate + "'"; }

Tensor Softmax::forward(const Tensor& input) { return functional::softmax(input, dim); }
std::string Softmax::extra_repr() const { return "dim=" + std::to_string(dim); }

Tensor LogSoftmax::forward(const Tensor& input) { return functional::log_softmax(input, dim); }
std::string LogSoftmax::extra_repr() const { return "dim=" + std::to_string(dim); }

}  // namespace ag::nn
