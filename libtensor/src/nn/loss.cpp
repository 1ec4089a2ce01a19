// Loss modules: register the class weights as buffers, forward to functional.
#include "ag/nn/loss.h"

namespace ag::nn {

namespace F = functional;

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) { return F::mse_loss(input, target, reduction); }
Tensor L1Loss::forward(const Tensor& input, const Tensor& target) { return F::l1_loss(input, target, reduction); }

// PyTorch's _WeightedLoss registers "weight" as a buffer; an absent weight is not saved.
CrossEntropyLoss::CrossEntropyLoss(CrossEntropyLossOptions o) : options(std::move(o)) {
  register_buffer("weight", options.weight);
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  return F::cross_entropy(input, target, options);
}

NLLLoss::NLLLoss(NLLLossOptions o) : options(std::move(o)) { register_buffer("weight", options.weight); }
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) { return F::nll_loss(input, target, options); }

BCELoss::BCELoss(BCELossOptions o) : options(std::move(o)) { register_buffer("weight", options.weight); }
Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy(input, target, options);
}

BCEWithLogitsLoss::BCEWithLogitsLoss(BCEWithLogitsLossOptions o) : options(std::move(o)) {
  register_buffer("weight", options.weight);
  register_buffer("pos_weight", options.pos_weight);
}
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy_with_logits(input, target, options);
}

}  // namespace ag::nn
