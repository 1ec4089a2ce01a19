// The GPT's layers. The residual stream is kept as [B·T, C] so every Linear is one
// GEMM over all positions; only attention sees the [B, heads, T, head_dim] layout.
#include "gpt.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "ag/grad_mode.h"
#include "ag/nn/functional_attention.h"

namespace ag::models {

namespace F = nn::functional;

void GPTConfig::check() const {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("gpt: " + what);
  };
  need(layers >= 1, "layers=" + std::to_string(layers) + " must be at least 1");
  need(heads >= 1, "heads=" + std::to_string(heads) + " must be at least 1");
  need(dim >= 1, "dim=" + std::to_string(dim) + " must be at least 1");
  need(context >= 1, "context=" + std::to_string(context) + " must be at least 1");
  need(dim % heads == 0, "heads=" + std::to_string(heads) + " does not divide dim=" + std::to_string(dim));
  need(dropout >= 0 && dropout < 1, "dropout=" + std::to_string(dropout) + " is not in [0, 1)");
  need(vocab >= 1, "vocabulary size " + std::to_string(vocab) + " must be at least 1");
}

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GPTConfig& c) : heads(c.heads), dim(c.dim), dropout(c.dropout) {
  c_attn = register_module("c_attn", nn::Linear(c.dim, 3 * c.dim, c.bias));
  c_proj = register_module("c_proj", nn::Linear(c.dim, c.dim, c.bias));
  resid_dropout = register_module("resid_dropout", nn::Dropout(c.dropout));
}

Tensor CausalSelfAttentionImpl::attend(const Tensor& x, int64_t batch, int64_t time) {
  // [B·T, 3C] → [3, B, heads, T, head_dim]: q, k, v are views, no copy here.
  Tensor qkv = c_attn(x).view({batch, time, 3, heads, dim / heads}).permute({2, 0, 3, 1, 4});
  Tensor y = F::scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], {}, is_training() ? dropout : 0.0, true);
  return resid_dropout(c_proj(y.transpose(1, 2).reshape({batch * time, dim})));
}

Tensor CausalSelfAttentionImpl::attend_cached(const Tensor& x, int64_t batch, int64_t time, Tensor& cache_k, Tensor& cache_v,
                                              int64_t start) {
  Tensor qkv = c_attn(x).view({batch, time, 3, heads, dim / heads}).permute({2, 0, 3, 1, 4});
  cache_k.narrow(2, start, time).copy_(qkv[1]);
  cache_v.narrow(2, start, time).copy_(qkv[2]);
  const int64_t seen = start + time;
  Tensor k = cache_k.narrow(2, 0, seen), v = cache_v.narrow(2, 0, seen);
  // Masked by absolute position: query i (at start + i) sees keys 0 .. start + i. A lone
  // new query sees every key; is_causal's top-left mask is right only when start is 0.
  Tensor mask;
  if (start > 0 && time > 1) {
    Tensor key_pos = arange(0, static_cast<double>(seen), 1, kInt64).view({1, seen});
    Tensor query_pos = arange(static_cast<double>(start), static_cast<double>(seen), 1, kInt64).view({time, 1});
    mask = key_pos <= query_pos;
  }
  Tensor y = F::scaled_dot_product_attention(qkv[0], k, v, mask, 0.0, start == 0 && time > 1);
  return c_proj(y.transpose(1, 2).reshape({batch * time, dim}));
}

GPTMLPImpl::GPTMLPImpl(const GPTConfig& c) {
  c_fc = register_module("c_fc", nn::Linear(c.dim, 4 * c.dim, c.bias));
  c_proj = register_module("c_proj", nn::Linear(4 * c.dim, c.dim, c.bias));
  dropout = register_module("dropout", nn::Dropout(c.dropout));
}

// GPT-2's (and llm.c's) tanh form of GELU; nanoGPT has since moved to the exact one.
Tensor GPTMLPImpl::forward(const Tensor& x) { return dropout(c_proj(F::gelu(c_fc(x), "tanh"))); }

BlockImpl::BlockImpl(const GPTConfig& c) {
  ln_1 = register_module("ln_1", nn::LayerNorm(Dims{c.dim}));
  attn = register_module("attn", CausalSelfAttention(c));
  ln_2 = register_module("ln_2", nn::LayerNorm(Dims{c.dim}));
  mlp = register_module("mlp", GPTMLP(c));
}

GPTBodyImpl::GPTBodyImpl(const GPTConfig& c) {
  wte = register_module("wte", nn::Embedding(c.vocab, c.dim));
  wpe = register_module("wpe", nn::Embedding(c.context, c.dim));
  drop = register_module("drop", nn::Dropout(c.dropout));
  h = register_module("h", nn::ModuleList());
  for (int64_t i = 0; i < c.layers; ++i) {
    blocks.emplace_back(c);
    h->push_back(blocks.back());
  }
  ln_f = register_module("ln_f", nn::LayerNorm(Dims{c.dim}));
}

namespace {

// Layer norm without a bias (bias=false) as nanoGPT's LayerNorm(ndim, bias=False).
void drop_layer_norm_bias(nn::LayerNormImpl& ln) {
  ln.bias = Tensor();
  ln.register_parameter("bias", Tensor(), false);
}

// nanoGPT's _init_weights, in the order PyTorch's post-order apply() visits the
// modules (wte, wpe, each block's c_attn, attn.c_proj, c_fc, mlp.c_proj, then lm_head,
// which redraws the tied weight), followed by the scaled c_proj weights: the same
// sequence of draws from the global generator.
void init_like_nanogpt(GPTImpl& m) {
  auto linear = [](nn::LinearImpl& l) {
    nn::init::normal_(l.weight, 0, 0.02);
    if (l.bias.defined()) nn::init::zeros_(l.bias);
  };
  nn::init::normal_(m.transformer->wte->weight, 0, 0.02);
  nn::init::normal_(m.transformer->wpe->weight, 0, 0.02);
  for (Block& b : m.transformer->blocks) {
    linear(*b->attn->c_attn);
    linear(*b->attn->c_proj);
    linear(*b->mlp->c_fc);
    linear(*b->mlp->c_proj);
  }
  linear(*m.lm_head);
  // GPT-2's scaling of the projections into the residual stream, 1/√(2·layers).
  const double std = 0.02 / std::sqrt(2.0 * static_cast<double>(m.config.layers));
  for (Block& b : m.transformer->blocks) {
    nn::init::normal_(b->attn->c_proj->weight, 0, std);
    nn::init::normal_(b->mlp->c_proj->weight, 0, std);
  }
}

}  // namespace

GPTImpl::GPTImpl(const GPTConfig& c) : config(c) {
  c.check();
  transformer = register_module("transformer", GPTBody(c));
  lm_head = register_module("lm_head", nn::Linear(c.dim, c.vocab, false));
  // Tied: the head's weight slot holds the embedding's tensor ([vocab, dim] is both
  // Embedding's and Linear's [out, in] layout).
  lm_head->weight = lm_head->register_parameter("weight", transformer->wte->weight);
  if (!c.bias) {
    for (Block& b : transformer->blocks) {
      drop_layer_norm_bias(*b->ln_1);
      drop_layer_norm_bias(*b->ln_2);
    }
    drop_layer_norm_bias(*transformer->ln_f);
  }
  NoGradGuard ng;
  init_like_nanogpt(*this);
}

Tensor GPTImpl::embed(const Tensor& tokens, int64_t start) {
  if (tokens.dtype() != kInt64 || tokens.dim() != 2)
    throw std::invalid_argument("gpt: tokens must be int64 [batch, time], got " + std::string(dtype_name(tokens.dtype())) + " of shape " +
                                to_string(tokens.sizes()));
  const int64_t time = tokens.size(1);
  if (time < 1 || start + time > config.context)
    throw std::invalid_argument("gpt: " + std::to_string(start + time) + " positions exceed the context of " + std::to_string(config.context) +
                                (start ? " (" + std::to_string(start) + " cached + " + std::to_string(time) + " new)" : std::string()));
  Tensor pos = arange(static_cast<double>(start), static_cast<double>(start + time), 1, kInt64);
  Tensor x = transformer->drop(transformer->wte(tokens) + transformer->wpe(pos));
  return x.view({tokens.size(0) * time, config.dim});
}

Tensor GPTImpl::head(const Tensor& x, int64_t batch, int64_t time) {
  return lm_head(transformer->ln_f(x)).view({batch, time, config.vocab});
}

Tensor GPTImpl::forward(const Tensor& tokens) {
  Tensor x = embed(tokens, 0);
  const int64_t batch = tokens.size(0), time = tokens.size(1);
  for (Block& b : transformer->blocks) {
    x = x + b->attn->attend(b->ln_1(x), batch, time);
    x = x + b->mlp(b->ln_2(x));
  }
  return head(x, batch, time);
}

KVCache GPTImpl::make_cache(int64_t batch) const {
  KVCache c;
  const ScalarType dt = transformer->wte->weight.dtype();
  for (int64_t i = 0; i < config.layers; ++i) {
    c.keys.push_back(zeros({batch, config.heads, config.context, config.dim / config.heads}, dt));
    c.values.push_back(zeros({batch, config.heads, config.context, config.dim / config.heads}, dt));
  }
  return c;
}

Tensor GPTImpl::forward_incremental(const Tensor& tokens, KVCache& cache) {
  NoGradGuard ng;
  const int64_t start = cache.length;
  Tensor x = embed(tokens, start);
  const int64_t batch = tokens.size(0), time = tokens.size(1);
  if (cache.keys.size() != transformer->blocks.size() || cache.keys[0].size(0) != batch)
    throw std::invalid_argument("gpt: the cache was made for another model or batch size (make_cache)");
  for (size_t i = 0; i < transformer->blocks.size(); ++i) {
    Block& b = transformer->blocks[i];
    x = x + b->attn->attend_cached(b->ln_1(x), batch, time, cache.keys[i], cache.values[i], start);
    x = x + b->mlp(b->ln_2(x));
  }
  cache.length = start + time;
  return head(x, batch, time);
}

}  // namespace ag::models
