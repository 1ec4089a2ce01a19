// Activation layers: thin modules over ag::nn::functional, printed as PyTorch prints them.
#pragma once
#include <cstdint>
#include <string>

#include "ag/arg.h"
#include "ag/nn/module.h"

namespace ag::nn {

/// ReLU's arguments, as libtorch's: `ReLU(ReLUOptions().inplace(true))`. Departure: inplace is
/// accepted and printed, but the result is always a new tensor (the input is left as it was),
/// which gives the same values and gradients.
struct ReLUOptions {
  ReLUOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT(google-explicit-constructor): as libtorch's
  AG_ARG(bool, inplace);
};

/// LeakyReLU's arguments, as libtorch's: `LeakyReLUOptions().negative_slope(0.2)`; inplace as ReLUOptions.
struct LeakyReLUOptions {
  AG_ARG(double, negative_slope) = 0.01;
  AG_ARG(bool, inplace) = false;
};

/// max(x, 0).
class ReLUImpl : public Module {
 public:
  explicit ReLUImpl(const ReLUOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  ReLUOptions options;
};

/// 1 / (1 + exp(−x)).
class SigmoidImpl : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

/// Hyperbolic tangent.
class TanhImpl : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

/// x if x > 0 else negative_slope·x.
class LeakyReLUImpl : public Module {
 public:
  explicit LeakyReLUImpl(const LeakyReLUOptions& options = {}) : options(options) {}
  explicit LeakyReLUImpl(double negative_slope) : options(LeakyReLUOptions().negative_slope(negative_slope)) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  LeakyReLUOptions options;
};

/// x·Φ(x); approximate is "none" (exact erf form, the default) or "tanh".
class GELUImpl : public Module {
 public:
  explicit GELUImpl(std::string approximate = "none");
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::string approximate;
};

/// Softmax along `dim`. Departure from PyTorch: dim is required (PyTorch's
/// implicit-dim default is deprecated there).
class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t dim;
};

/// log(softmax(x)) along `dim`, computed stably.
class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t dim;
};

/// The holders (shared handles) of the modules above, as libtorch declares them.
AG_MODULE(ReLU);
AG_MODULE(Sigmoid);
AG_MODULE(Tanh);
AG_MODULE(LeakyReLU);
AG_MODULE(GELU);
AG_MODULE(Softmax);
AG_MODULE(LogSoftmax);

}  // namespace ag::nn
