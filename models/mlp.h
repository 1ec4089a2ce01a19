// Multilayer perceptrons: nn::Sequential stacks whose state_dict names match
// PyTorch's nn.Sequential of the same layers.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "ag/nn/nn.h"

namespace ag::models {

/// Linear layers of the given sizes with `activation` ("relu", "gelu", "tanh", "sigmoid")
/// between them and none after the last; Dropout(p) after each activation when p > 0.
std::shared_ptr<nn::Sequential> mlp(const std::vector<int64_t>& sizes, const std::string& activation = "relu",
                                    double dropout = 0);

/// The seed notes' MultilayerPerceptron: Linear(in, hidden), ReLU, Linear(hidden, in), Sigmoid,
/// held in a Sequential member named "model" (an autoencoder trained with MSELoss).
class MultilayerPerceptron : public nn::Module {
 public:
  MultilayerPerceptron(int64_t input_size, int64_t hidden_size);
  Tensor forward(const Tensor& x) override;
  int64_t input_size, hidden_size;

 private:
  std::shared_ptr<nn::Sequential> model_;
};

}  // namespace ag::models
