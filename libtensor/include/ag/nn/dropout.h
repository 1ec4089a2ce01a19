// Dropout: random zeroing during training, identity in eval mode.
#pragma once
#include "ag/nn/module.h"

namespace ag::nn {

/// In training mode zeroes each element with probability p (drawn from the global
/// generator) and scales the others by 1/(1−p); in eval mode returns the input.
class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(double p = 0.5);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double p;
};

/// The holders (shared handles) of the modules above, as libtorch declares them.
AG_MODULE(Dropout);

}  // namespace ag::nn
