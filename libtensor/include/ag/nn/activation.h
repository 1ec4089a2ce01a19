// Activation layers: thin modules over ag::nn::functional, printed as PyTorch prints them.
#pragma once
#include <cstdint>
#include <string>

#include "ag/nn/module.h"

namespace ag::nn {

/// max(x, 0).
class ReLU : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

/// 1 / (1 + exp(−x)).
class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

/// Hyperbolic tangent.
class Tanh : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

/// x if x > 0 else negative_slope·x.
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double negative_slope;
};

/// x·Φ(x); approximate is "none" (exact erf form, the default) or "tanh".
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::string approximate;
};

/// Softmax along `dim`. Departure from PyTorch: dim is required (PyTorch's
/// implicit-dim default is deprecated there).
class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t dim;
};

/// log(softmax(x)) along `dim`, computed stably.
class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t dim;
};

}  // namespace ag::nn
