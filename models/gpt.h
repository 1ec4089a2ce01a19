// A GPT-2 style byte-level language model with nanoGPT's module tree, so its
// state_dict keys are nanoGPT's ("transformer.h.0.attn.c_attn.weight", ...) and a
// PyTorch model's weights load by name.
#pragma once
#include <cstdint>
#include <vector>

#include "ag/nn/nn.h"

namespace ag::models {

struct GPTConfig {
  int64_t layers = 0, heads = 0, dim = 0, context = 0;
  double dropout = 0;
  bool bias = true;
  int64_t vocab = 256;  // bytes
  /// Throws std::invalid_argument naming the setting and the problem.
  void check() const;
};

/// Keys and values written so far by forward_incremental, one pair per layer,
/// each [B, heads, context, head_dim]; positions [0, length) are filled.
struct KVCache {
  std::vector<Tensor> keys, values;
  int64_t length = 0;
};

/// Pre-LN causal self-attention: one c_attn (C → 3C) split into q, k, v.
class CausalSelfAttentionImpl : public nn::Module {
 public:
  explicit CausalSelfAttentionImpl(const GPTConfig& c);
  /// x [B·T, C] (rows of T consecutive positions) → [B·T, C].
  Tensor attend(const Tensor& x, int64_t batch, int64_t time);
  /// The same for `time` new positions after the `cache_k`/`cache_v` prefix of `start`
  /// positions, which it extends; no gradient.
  Tensor attend_cached(const Tensor& x, int64_t batch, int64_t time, Tensor& cache_k, Tensor& cache_v, int64_t start);
  nn::Linear c_attn{nullptr}, c_proj{nullptr};
  nn::Dropout resid_dropout{nullptr};
  int64_t heads, dim;
  double dropout;
};
AG_MODULE(CausalSelfAttention);

class GPTMLPImpl : public nn::Module {
 public:
  explicit GPTMLPImpl(const GPTConfig& c);
  Tensor forward(const Tensor& x) override;
  nn::Linear c_fc{nullptr}, c_proj{nullptr};
  nn::Dropout dropout{nullptr};
};
AG_MODULE(GPTMLP);

class BlockImpl : public nn::Module {
 public:
  explicit BlockImpl(const GPTConfig& c);
  nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  CausalSelfAttention attn{nullptr};
  GPTMLP mlp{nullptr};
};
AG_MODULE(Block);

/// nanoGPT's `transformer` ModuleDict: wte, wpe, h.0 .. h.{L-1}, ln_f.
class GPTBodyImpl : public nn::Module {
 public:
  explicit GPTBodyImpl(const GPTConfig& c);
  nn::Embedding wte{nullptr}, wpe{nullptr};
  nn::Dropout drop{nullptr};
  nn::ModuleList h{nullptr};
  std::vector<Block> blocks;  // h's entries, typed
  nn::LayerNorm ln_f{nullptr};
};
AG_MODULE(GPTBody);

/// int64 tokens [B, T] (T ≤ context, ids < vocab) → logits [B, T, vocab].
/// lm_head.weight is transformer.wte.weight itself (one tensor, so its gradient sums
/// both uses); named_parameters lists it once, as transformer.wte.weight, while
/// state_dict has both keys, as PyTorch's does for tied weights.
class GPTImpl : public nn::Module {
 public:
  explicit GPTImpl(const GPTConfig& c);
  Tensor forward(const Tensor& tokens) override;
  /// Logits of `tokens` [B, n] placed after the cache's positions, which it extends
  /// (gpt-fast's KVCache): the prefix is not computed again. No gradient; the cache
  /// holds at most `context` positions, more is an error.
  Tensor forward_incremental(const Tensor& tokens, KVCache& cache);
  /// An empty cache for `batch` sequences, in the parameters' dtype.
  KVCache make_cache(int64_t batch) const;
  GPTConfig config;
  GPTBody transformer{nullptr};
  nn::Linear lm_head{nullptr};

 private:
  Tensor embed(const Tensor& tokens, int64_t start);
  Tensor head(const Tensor& x, int64_t batch, int64_t time);
};
AG_MODULE(GPT);

}  // namespace ag::models
