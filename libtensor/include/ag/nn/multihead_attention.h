// torch.nn.MultiheadAttention: in-projection of query, key and value, attention
// per head, out-projection. Parameter names, initialisation and forward
// semantics follow PyTorch, so a state_dict moves between the two.
#pragma once
#include <cstdint>
#include <tuple>

#include "ag/arg.h"
#include "ag/nn/linear.h"
#include "ag/nn/module.h"

namespace ag::nn {

/// `MultiheadAttention(MultiheadAttentionOptions(64, 4).dropout(0.1).batch_first(true))`.
/// Departure from PyTorch: kdim / vdim (keys and values of another width than the
/// queries, with separate q/k/v projection weights), add_bias_kv and add_zero_attn are
/// not offered; key and value always have embed_dim features.
class MultiheadAttentionOptions {
 public:
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads) : embed_dim_(embed_dim), num_heads_(num_heads) {}
  AG_ARG(int64_t, embed_dim);
  /// embed_dim must be a multiple of it; each head sees embed_dim / num_heads features.
  AG_ARG(int64_t, num_heads);
  /// Dropout on the attention weights, in training mode only.
  AG_ARG(double, dropout) = 0.0;
  /// Whether the in- and out-projections add biases.
  AG_ARG(bool, bias) = true;
  /// Inputs and output as (N, L, E) instead of PyTorch's default (L, N, E).
  AG_ARG(bool, batch_first) = false;
};

/// Attention with num_heads heads over embed_dim features. Parameters, as PyTorch names them:
/// in_proj_weight [3E, E] (q, k, v projections stacked), in_proj_bias [3E], and out_proj
/// (a Linear: out_proj.weight [E, E], out_proj.bias [E]). Initialised as PyTorch: out_proj
/// draws Linear's default first, then xavier_uniform_ on in_proj_weight; both biases zero.
class MultiheadAttentionImpl : public Module {
 public:
  explicit MultiheadAttentionImpl(const MultiheadAttentionOptions& options);
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads)
      : MultiheadAttentionImpl(MultiheadAttentionOptions(embed_dim, num_heads)) {}

  /// query (L, N, E), key and value (S, N, E), or (N, L, E) / (N, S, E) with batch_first, or
  /// unbatched (L, E) / (S, E). key_padding_mask (N, S) or (S): bool true (or a float added
  /// to the scores, −inf) marks keys to ignore. attn_mask (L, S) or (N·num_heads, L, S), bool
  /// true = not allowed, or float added. Returns (output shaped like query, weights): the
  /// weights (N, L, S) averaged over heads, (N, num_heads, L, S) when average_attn_weights is
  /// false, and undefined when need_weights is false, in which case the fused
  /// scaled_dot_product_attention runs and no [N, H, L, S] tensor is kept. is_causal is, as in
  /// PyTorch, a hint that attn_mask is the causal mask (it must then be given); without
  /// need_weights and key_padding_mask the mask is not read and causal attention is fused.
  /// A query every key is masked from gives NaN with need_weights (the softmax of −inf only,
  /// as PyTorch) and 0 without (the fused op's safe softmax).
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = {}, bool need_weights = true,
                                     const Tensor& attn_mask = {}, bool average_attn_weights = true,
                                     bool is_causal = false);
  /// xavier_uniform_ on in_proj_weight, zero biases (out_proj.weight keeps Linear's init).
  void reset_parameters();

  MultiheadAttentionOptions options;
  Tensor in_proj_weight, in_proj_bias;
  Linear out_proj{nullptr};
  int64_t head_dim;
};

AG_MODULE(MultiheadAttention);

}  // namespace ag::nn
