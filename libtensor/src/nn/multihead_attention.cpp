// MultiheadAttention: PyTorch's F.multi_head_attention_forward for the common
// case (key and value of embed_dim features). Everything is done in PyTorch's
// (L, N, E) layout; batch_first and unbatched inputs are turned into it first.
#include "ag/nn/multihead_attention.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "ag/nn/functional.h"
#include "ag/nn/functional_attention.h"
#include "ag/nn/init.h"

namespace ag::nn {

namespace {

constexpr const char* kName = "MultiheadAttention";

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument(std::string(kName) + ": " + what); }

// PyTorch's _canonical_mask: a bool mask (true = masked) becomes −inf / 0 in `dtype`.
Tensor additive(const Tensor& m, ScalarType dtype, const char* what) {
  if (m.dtype() == kBool) return zeros(m.sizes(), dtype).masked_fill(m, -std::numeric_limits<double>::infinity());
  if (!m.is_floating_point())
    fail(std::string(what) + " must be bool or floating point, got " + dtype_name(m.dtype()));
  return m.to(dtype);
}

}  // namespace

MultiheadAttentionImpl::MultiheadAttentionImpl(const MultiheadAttentionOptions& o) : options(o) {
  const int64_t E = o.embed_dim(), H = o.num_heads();
  if (E <= 0 || H <= 0)
    fail("embed_dim and num_heads must be positive, got " + std::to_string(E) + " and " + std::to_string(H));
  if (E % H != 0)
    fail("embed_dim must be divisible by num_heads, got " + std::to_string(E) + " and " + std::to_string(H));
  if (!(o.dropout() >= 0 && o.dropout() <= 1))
    fail("dropout has to be between 0 and 1, got " + std::to_string(o.dropout()));
  head_dim = E / H;
  // Registration and drawing order as PyTorch's __init__: out_proj (a Linear, drawing its
  // default init) is built before reset_parameters draws in_proj_weight.
  in_proj_weight = register_parameter("in_proj_weight", empty({3 * E, E}));
  in_proj_bias = register_parameter("in_proj_bias", o.bias() ? empty({3 * E}) : Tensor());
  out_proj = register_module("out_proj", Linear(LinearOptions(E, E).bias(o.bias())));
  reset_parameters();
}

void MultiheadAttentionImpl::reset_parameters() {
  init::xavier_uniform_(in_proj_weight);
  if (in_proj_bias.defined()) init::zeros_(in_proj_bias);
  if (out_proj->bias.defined()) init::zeros_(out_proj->bias);
}

std::tuple<Tensor, Tensor> MultiheadAttentionImpl::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                           const Tensor& key_padding_mask, bool need_weights,
                                                           const Tensor& attn_mask, bool average_attn_weights,
                                                           bool is_causal) {
  namespace F = functional;
  const int64_t E = options.embed_dim(), H = options.num_heads(), Eh = head_dim;
  if (!query.defined() || !key.defined() || !value.defined()) fail("query, key and value must be defined");
  const bool batched = query.dim() == 3;
  if (!batched && query.dim() != 2) fail("query must be (L, N, E), (N, L, E) or (L, E), got shape " + to_string(query.sizes()));
  if (key.dim() != query.dim() || value.dim() != query.dim())
    fail("query, key and value must have the same number of dims, got shapes " + to_string(query.sizes()) + ", " +
         to_string(key.sizes()) + " and " + to_string(value.sizes()));
  // To (L, N, E).
  auto to_lne = [&](const Tensor& t) { return !batched ? t.unsqueeze(1) : options.batch_first() ? t.transpose(0, 1) : t; };
  const Tensor q_in = to_lne(query), k_in = to_lne(key), v_in = to_lne(value);
  const int64_t L = q_in.size(0), N = q_in.size(1), S = k_in.size(0);
  if (q_in.size(2) != E)
    fail("query has " + std::to_string(q_in.size(2)) + " features, expected embed_dim " + std::to_string(E));
  if (k_in.sizes() != Dims{S, N, E} || v_in.sizes() != k_in.sizes())
    fail("key and value must both be " + to_string(batched ? (options.batch_first() ? Dims{N, S, E} : Dims{S, N, E}) : Dims{S, E}) +
         " for query " + to_string(query.sizes()) + ", got " + to_string(key.sizes()) + " and " + to_string(value.sizes()));
  if (is_causal && !attn_mask.defined())
    fail("is_causal is a hint that attn_mask is the causal mask, so attn_mask must be given too (as in PyTorch)");

  // Masks, merged into one float mask broadcastable to (N, H, L, S).
  const ScalarType dt = query.dtype();
  Tensor mask;
  if (attn_mask.defined()) {
    if (attn_mask.dim() == 2 && attn_mask.sizes() == Dims{L, S})
      mask = additive(attn_mask, dt, "attn_mask");
    else if (attn_mask.dim() == 3 && attn_mask.sizes() == Dims{N * H, L, S})
      mask = additive(attn_mask, dt, "attn_mask").view({N, H, L, S});
    else
      fail("attn_mask must be " + to_string({L, S}) + " or " + to_string({N * H, L, S}) + ", got " +
           to_string(attn_mask.sizes()));
  }
  if (key_padding_mask.defined()) {
    if (key_padding_mask.sizes() != (batched ? Dims{N, S} : Dims{S}))
      fail("key_padding_mask must be " + to_string(batched ? Dims{N, S} : Dims{S}) + ", got " +
           to_string(key_padding_mask.sizes()));
    Tensor kp = additive(key_padding_mask, dt, "key_padding_mask").reshape({N, 1, 1, S});
    mask = mask.defined() ? mask + kp : kp;
  }

  // In-projection: one product for self-attention, three otherwise.
  Tensor q, k, v;
  if (query.is_same(key) && key.is_same(value)) {
    auto qkv = F::linear(q_in, in_proj_weight, in_proj_bias).chunk(3, -1);
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else {
    auto w = in_proj_weight.chunk(3, 0);
    std::vector<Tensor> b = in_proj_bias.defined() ? in_proj_bias.chunk(3, 0) : std::vector<Tensor>(3);
    q = F::linear(q_in, w[0], b[0]), k = F::linear(k_in, w[1], b[1]), v = F::linear(v_in, w[2], b[2]);
  }
  // (len, N, E) → (N, H, len, Eh).
  auto heads = [&](const Tensor& t, int64_t len) { return t.reshape({len, N, H, Eh}).permute({1, 2, 0, 3}); };
  q = heads(q, L), k = heads(k, S), v = heads(v, S);
  const double p = is_training() ? options.dropout() : 0.0;

  Tensor attn, weights;
  if (!need_weights) {
    const bool fused_causal = is_causal && !key_padding_mask.defined();
    attn = F::scaled_dot_product_attention(q, k, v, fused_causal ? Tensor() : mask, p, fused_causal);
  } else {
    Tensor scores = matmul(q * (1 / std::sqrt(static_cast<double>(Eh))), k.transpose(-2, -1));
    if (mask.defined()) scores = scores + mask;
    weights = F::softmax(scores, -1);
    if (p > 0) weights = F::dropout(weights, p, true);  // PyTorch returns the weights after dropout
    attn = matmul(weights, v);
    if (average_attn_weights) weights = weights.mean(1);
    if (!batched) weights = weights.squeeze(0);
  }
  Tensor out = out_proj->forward(attn.permute({2, 0, 1, 3}).reshape({L, N, E}));
  if (!batched) out = out.squeeze(1);
  else if (options.batch_first()) out = out.transpose(0, 1);
  return {out, weights};
}

}  // namespace ag::nn
