// The model zoo: MLP stacks, the seed's autoencoder and the ConvNet, as nn::Sequential
// stacks whose state_dict names match PyTorch's nn.Sequential of the same layers.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "ag/nn/nn.h"

namespace ag::models {

/// Linear layers of the given sizes with `activation` ("relu", "gelu", "tanh", "sigmoid")
/// between them and none after the last; Dropout(p) after each activation when p > 0.
nn::Sequential mlp(const std::vector<int64_t>& sizes, const std::string& activation = "relu",
                                    double dropout = 0);

/// The seed notes' MultilayerPerceptron: Linear(in, hidden), ReLU, Linear(hidden, in), Sigmoid,
/// held in a Sequential member named "model" (an autoencoder trained with MSELoss).
class MultilayerPerceptronImpl : public nn::Module {
 public:
  MultilayerPerceptronImpl(int64_t input_size, int64_t hidden_size);
  Tensor forward(const Tensor& x) override;
  int64_t input_size, hidden_size;

 private:
  nn::Sequential model_{nullptr};
};
AG_MODULE(MultilayerPerceptron);

}  // namespace ag::models

namespace ag::models {
/// The TensorFlow tutorial's ConvNet for 28×28 images: conv 5×5 32 + ReLU + max-pool 2,
/// conv 5×5 64 + ReLU + max-pool 2, Linear 3136→1024 + ReLU, Linear 1024→classes,
/// as a Sequential (parameter names "0.weight", "3.weight", "7.weight", "9.weight").
nn::Sequential conv_net(int64_t classes = 10);
}  // namespace ag::models
