// Dropout and Dropout2d: random zeroing during training, identity in eval mode.
#pragma once
#include "ag/arg.h"
#include "ag/nn/module.h"

namespace ag::nn {

/// Dropout's arguments, as libtorch's: `Dropout(DropoutOptions(0.2))`, `Dropout(0.2)`.
/// Departure: inplace is accepted and printed, but the result is always a new tensor (the
/// input is left as it was), which gives the same values and gradients.
struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT(google-explicit-constructor): implicit, as libtorch's
  AG_ARG(double, p);
  AG_ARG(bool, inplace) = false;
};
using Dropout2dOptions = DropoutOptions;

/// In training mode zeroes each element with probability p (drawn from the global
/// generator) and scales the others by 1/(1−p); in eval mode returns the input.
class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(const DropoutOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  DropoutOptions options;
};

/// Dropout of whole channels: in training mode zeroes each plane of [N, C, H, W] (or [C, H, W])
/// with probability p and scales the others by 1/(1−p); in eval mode returns the input.
class Dropout2dImpl : public Module {
 public:
  explicit Dropout2dImpl(const Dropout2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Dropout2dOptions options;
};

/// The holders (shared handles) of the modules above, as libtorch declares them.
AG_MODULE(Dropout);
AG_MODULE(Dropout2d);

}  // namespace ag::nn
