// Linear (y = x·Wᵀ + b) and Identity, the layers of torch/nn/modules/linear.py.
#pragma once
#include <cstdint>

#include "ag/arg.h"
#include "ag/nn/module.h"

namespace ag::nn {

/// Linear's options: `Linear(LinearOptions(4, 2).bias(false))`.
class LinearOptions {
 public:
  LinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
  AG_ARG(int64_t, in_features);
  AG_ARG(int64_t, out_features);
  /// Whether the layer adds a learned bias.
  AG_ARG(bool, bias) = true;
};

/// Applies y = x·Wᵀ + b to inputs of shape (*, in_features), giving (*, out_features).
/// Initialised as PyTorch does: kaiming_uniform_(a=√5) on the weight, then the bias
/// from U(−1/√in, 1/√in), both from the global generator; so after
/// ag::manual_seed(s) the values equal torch.manual_seed(s); nn.Linear(in, out).
class LinearImpl : public Module {
 public:
  explicit LinearImpl(const LinearOptions& options);
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true)
      : LinearImpl(LinearOptions(in_features, out_features).bias(bias)) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  /// Draws the weight and bias again (PyTorch's reset_parameters).
  void reset_parameters();

  /// What the layer was built with (`linear->options.in_features()`).
  LinearOptions options;
  /// (out_features, in_features).
  Tensor weight;
  /// (out_features), or undefined when built with bias = false.
  Tensor bias;
};

/// Returns its input unchanged (a placeholder, e.g. for a removed layer).
class IdentityImpl : public Module {
 public:
  Tensor forward(const Tensor& input) override { return input; }
};

/// The holders (shared handles) of the modules above, as libtorch declares them.
AG_MODULE(Linear);
AG_MODULE(Identity);

}  // namespace ag::nn
