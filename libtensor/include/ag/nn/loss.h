// Loss modules: forward(input, target) over ag::nn::functional's losses, with
// class weights held as buffers (so they follow state_dict and to(dtype)).
#pragma once
#include "ag/nn/functional.h"
#include "ag/nn/loss_options.h"
#include "ag/nn/module.h"

namespace ag::nn {

/// Base of the losses: called with (input, target) instead of one tensor.
class Loss : public Module {
 public:
  using Module::forward;
  /// The loss of `input` (the prediction) against `target`.
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
};

/// Mean squared error; see functional::mse_loss. `MSELoss(ag::kSum)` sums instead.
class MSELossImpl : public Loss {
 public:
  explicit MSELossImpl(MSELossOptions options = {}) : options(options) {}
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  MSELossOptions options;
};

/// Mean absolute error; see functional::l1_loss.
class L1LossImpl : public Loss {
 public:
  explicit L1LossImpl(L1LossOptions options = {}) : options(options) {}
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  L1LossOptions options;
};

/// Logits and class indices (or probabilities); see functional::cross_entropy.
/// `ag::nn::CrossEntropyLoss loss(ag::nn::CrossEntropyLossOptions().ignore_index(0).label_smoothing(0.1));`
class CrossEntropyLossImpl : public Loss {
 public:
  explicit CrossEntropyLossImpl(CrossEntropyLossOptions options = {});
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  /// options.weight() is the registered buffer "weight".
  CrossEntropyLossOptions options;
};

/// Log-probabilities and class indices; see functional::nll_loss.
class NLLLossImpl : public Loss {
 public:
  explicit NLLLossImpl(NLLLossOptions options = {});
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  NLLLossOptions options;
};

/// Probabilities in [0, 1] against targets of the same shape; see functional::binary_cross_entropy.
class BCELossImpl : public Loss {
 public:
  explicit BCELossImpl(BCELossOptions options = {});
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  BCELossOptions options;
};

/// Logits against targets in [0, 1]; see functional::binary_cross_entropy_with_logits.
class BCEWithLogitsLossImpl : public Loss {
 public:
  explicit BCEWithLogitsLossImpl(BCEWithLogitsLossOptions options = {});
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  BCEWithLogitsLossOptions options;
};

/// The holders (shared handles) of the modules above, as libtorch declares them.
AG_MODULE(MSELoss);
AG_MODULE(L1Loss);
AG_MODULE(CrossEntropyLoss);
AG_MODULE(NLLLoss);
AG_MODULE(BCELoss);
AG_MODULE(BCEWithLogitsLoss);

}  // namespace ag::nn
