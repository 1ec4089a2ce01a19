// Loss modules: forward(input, target) over ag::nn::functional's losses, with
// class weights held as buffers (so they follow state_dict and to(dtype)).
#pragma once
#include "ag/nn/functional.h"
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

/// Mean squared error; see functional::mse_loss.
class MSELoss : public Loss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean) : reduction(reduction) {}
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Reduction reduction;
};

/// Mean absolute error; see functional::l1_loss.
class L1Loss : public Loss {
 public:
  explicit L1Loss(Reduction reduction = Reduction::Mean) : reduction(reduction) {}
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Reduction reduction;
};

/// Logits and class indices (or probabilities); see functional::cross_entropy.
/// `ag::nn::CrossEntropyLoss loss({.ignore_index = 0, .label_smoothing = 0.1});`
class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(CrossEntropyLossOptions options = {});
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  /// options.weight is the registered buffer "weight".
  CrossEntropyLossOptions options;
};

/// Log-probabilities and class indices; see functional::nll_loss.
class NLLLoss : public Loss {
 public:
  explicit NLLLoss(NLLLossOptions options = {});
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  NLLLossOptions options;
};

/// Probabilities in [0, 1] against targets of the same shape; see functional::binary_cross_entropy.
class BCELoss : public Loss {
 public:
  explicit BCELoss(BCELossOptions options = {});
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  BCELossOptions options;
};

/// Logits against targets in [0, 1]; see functional::binary_cross_entropy_with_logits.
class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(BCEWithLogitsLossOptions options = {});
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  BCEWithLogitsLossOptions options;
};

}  // namespace ag::nn
