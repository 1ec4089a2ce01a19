// ag::nn::functional: the differentiable operations behind the nn layers and
// losses (torch.nn.functional), usable without a module.
#pragma once
#include <cstdint>
#include <string_view>

#include "ag/nn/loss_options.h"
#include "ag/tensor.h"

namespace ag::nn::functional {

// ---- layers
/// y = x·Wᵀ + b for x (*, in), W (out, in), b (out) or undefined → y (*, out).
/// One gemm with W passed transposed and the bias preloaded into the output.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());
/// Zeroes each element with probability p and scales the rest by 1/(1−p); the input
/// itself when not training. Draws from the global generator.
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);

// ---- activations
/// max(x, 0); the gradient at 0 is 0.
Tensor relu(const Tensor& input);
Tensor sigmoid(const Tensor& input);
Tensor tanh(const Tensor& input);
/// x if x > 0 else slope·x; the gradient at 0 is the slope (as PyTorch).
Tensor leaky_relu(const Tensor& input, double negative_slope = 0.01);
/// x·Φ(x) with the exact erf form (approximate = "none", PyTorch's default) or the tanh form ("tanh").
Tensor gelu(const Tensor& input, std::string_view approximate = "none");
/// exp(x − max) / Σ exp(x − max) along `dim`.
Tensor softmax(const Tensor& input, int64_t dim);
/// x − max − log Σ exp(x − max) along `dim` (never takes the log of a softmax).
Tensor log_softmax(const Tensor& input, int64_t dim);

// ---- losses. `input` is the prediction, `target` what it should be.
/// mean((x − y)²). Departure from PyTorch: a target whose shape differs from the
/// input's is an error instead of a warning and a broadcast, which is almost always a bug.
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options = {});
/// mean(|x − y|); the same shape rule as mse_loss.
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& options = {});
/// log_softmax and the negative log likelihood fused in one op. Input: logits (N, C),
/// (C) or (N, C, d...). Target: int64 class indices (N) / () / (N, d...) in [0, C), or
/// class probabilities of the input's shape. 'mean' with indices is
/// Σ w[yₙ]·lossₙ / Σ w[yₙ] over samples not ignored (NaN if all are); with probabilities it divides by N.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options = {});
/// −w[yₙ]·input[n, yₙ] for log-probabilities `input` (shapes as cross_entropy, index targets only).
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options = {});
/// −w·(y·log x + (1−y)·log(1−x)), logs clamped at −100 as in PyTorch; x must lie in [0, 1]
/// and the target must have the input's shape.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options = {});
/// Sigmoid and binary cross entropy in one numerically stable op on logits.
/// The gradient with respect to pos_weight is not computed (it is an error to ask for it).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options = {});

}  // namespace ag::nn::functional
