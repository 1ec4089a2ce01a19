// torch.nn.functional.scaled_dot_product_attention: softmax(q·kᵀ·scale + mask)·v
// as one fused op that never keeps the [..., L, S] attention matrix.
#pragma once
#include <optional>

#include "ag/tensor.h"

namespace ag::nn::functional {

/// query [..., L, E], key [..., S, E], value [..., S, Ev] → [..., L, Ev] (batch dims broadcast).
/// `scale` defaults to 1/sqrt(E). `attn_mask` (broadcastable to [..., L, S]) is bool (true: the
/// key takes part) or floating (added to the scores; no gradient flows into it, so one that
/// requires grad is an error). `is_causal` masks key j from query i when j > i (top-left
/// aligned, as PyTorch) and may not be combined with attn_mask. `dropout_p` > 0 drops attention
/// weights and scales the rest by 1/(1−p); the mask is derived from one 64-bit draw of the
/// global generator, so a seed reproduces it, but the bits differ from PyTorch's (which keeps
/// no replayable CPU stream for this op either). A query row that every key is masked from
/// gets zero output and zero gradients, as PyTorch ≥ 2.5's safe softmax.
/// Grad node: ScaledDotProductFlashAttentionForCpuBackward0; it keeps q, k, v, the output and
/// one log-sum-exp per query row, and recomputes the weights block by block.
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0, bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

}  // namespace ag::nn::functional
