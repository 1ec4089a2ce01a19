// MLP stacks and the seed's autoencoder.
#include "zoo.h"

#include <stdexcept>

namespace ag::models {

namespace {
nn::ModulePtr activation_module(const std::string& name) {
  if (name == "relu") return nn::ReLU().ptr();
  if (name == "gelu") return nn::GELU().ptr();
  if (name == "tanh") return nn::Tanh().ptr();
  if (name == "sigmoid") return nn::Sigmoid().ptr();
  throw std::invalid_argument("mlp: unknown activation '" + name + "' (relu, gelu, tanh, sigmoid)");
}
}  // namespace

nn::Sequential mlp(const std::vector<int64_t>& sizes, const std::string& activation, double dropout) {
  if (sizes.size() < 2) throw std::invalid_argument("mlp: needs at least an input and an output size");
  for (int64_t s : sizes)
    if (s <= 0) throw std::invalid_argument("mlp: layer sizes must be positive, got " + std::to_string(s));
  if (dropout < 0 || dropout >= 1) throw std::invalid_argument("mlp: dropout must be in [0, 1), got " + std::to_string(dropout));
  activation_module(activation);  // validate before drawing any weights
  nn::Sequential seq;
  // Layers are created in order, so the draws match PyTorch's for the same seed.
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    seq->push_back(nn::Linear(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.size()) {
      seq->push_back(activation_module(activation));
      if (dropout > 0) seq->push_back(nn::Dropout(dropout));
    }
  }
  return seq;
}

MultilayerPerceptronImpl::MultilayerPerceptronImpl(int64_t in, int64_t hidden) : input_size(in), hidden_size(hidden) {
  model_ = register_module("model", nn::Sequential{nn::Linear(in, hidden), nn::ReLU(), nn::Linear(hidden, in), nn::Sigmoid()});
}

Tensor MultilayerPerceptronImpl::forward(const Tensor& x) { return model_(x); }

}  // namespace ag::models

namespace ag::models {
nn::Sequential conv_net(int64_t classes) {
  return nn::Sequential{
      nn::Conv2d(1, 32, 5, 1, 2), nn::ReLU(), nn::MaxPool2d(2), nn::Conv2d(32, 64, 5, 1, 2), nn::ReLU(),
      nn::MaxPool2d(2), nn::Flatten(), nn::Linear(7 * 7 * 64, 1024), nn::ReLU(), nn::Linear(1024, classes)};
}
}  // namespace ag::models
