// scaled_dot_product_attention: argument checks, batch broadcasting and the
// autograd node around the fused kernels (kernels/attention.cpp).
#include <cmath>

#include "ag/generator.h"
#include "ag/nn/functional_attention.h"
#include "kernels/attention.h"
#include "ops/op_util.h"

namespace ag::nn::functional {

using namespace ag::ops;

namespace {

constexpr const char* kOp = "scaled_dot_product_attention";
constexpr const char* kNode = "ScaledDotProductFlashAttentionForCpuBackward0";

Dims with_last2(Dims batch, int64_t a, int64_t b) {
  batch.push_back(a);
  batch.push_back(b);
  return batch;
}

Dims batch_of(const Tensor& t) { return Dims(t.sizes().begin(), t.sizes().end() - 2); }

// `t` broadcast to batch + its own last two dims, as one contiguous [N, rows, cols] buffer
// (no copy when it already is one).
Tensor flat_batch(const Tensor& t, const Dims& batch) {
  return kernels::contiguous(t.detach().expand(with_last2(batch, t.size(-2), t.size(-1))));
}

// Where each (batch·head) slice of the mask starts, for a mask already expanded to batch + [L, S].
kernels::AttentionMask describe_mask(const Tensor& m, int64_t n) {
  kernels::AttentionMask d;
  if (!m.defined()) return d;
  d.kind = m.dtype() == kBool ? kernels::AttentionMask::Kind::Bool : kernels::AttentionMask::Kind::Float;
  d.base = m.data_ptr();
  d.row_stride = m.stride(-2);
  d.col_stride = m.stride(-1);
  const int64_t rank = m.dim() - 2;
  d.offsets.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, off = 0;
    for (int64_t dd = rank - 1; dd >= 0; --dd) {
      off += (rest % m.size(dd)) * m.stride(dd);
      rest /= m.size(dd);
    }
    d.offsets[static_cast<size_t>(i)] = off;
  }
  return d;
}

void check_args(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, double p, bool causal) {
  for (auto [t, name] : {std::pair{&q, "query"}, {&k, "key"}, {&v, "value"}}) {
    check_defined(*t, kOp);
    if (t->dim() < 2)
      throw std::invalid_argument(std::string(kOp) + ": " + name + " needs at least 2 dims ([..., rows, features]), got shape " +
                                  to_string(t->sizes()));
    if (t->dtype() != kFloat32 && t->dtype() != kFloat64)
      throw std::invalid_argument(std::string(kOp) + ": " + name + " must be float32 or float64, got " + dtype_name(t->dtype()));
  }
  if (k.dtype() != q.dtype() || v.dtype() != q.dtype())
    throw std::invalid_argument(std::string(kOp) + ": query, key and value must share a dtype, got " +
                                dtype_name(q.dtype()) + ", " + dtype_name(k.dtype()) + " and " + dtype_name(v.dtype()));
  if (k.size(-1) != q.size(-1))
    throw std::invalid_argument(std::string(kOp) + ": query [..., L, E] and key [..., S, E] differ in E, shapes " +
                                to_string(q.sizes()) + " and " + to_string(k.sizes()));
  if (v.size(-2) != k.size(-2))
    throw std::invalid_argument(std::string(kOp) + ": key [..., S, E] and value [..., S, Ev] differ in S, shapes " +
                                to_string(k.sizes()) + " and " + to_string(v.sizes()));
  if (!(p >= 0 && p <= 1))
    throw std::invalid_argument(std::string(kOp) + ": dropout_p has to be between 0 and 1, got " + std::to_string(p));
  if (mask.defined()) {
    if (causal) throw std::invalid_argument(std::string(kOp) + ": attn_mask cannot be given together with is_causal=true");
    if (mask.dtype() != kBool && !mask.is_floating_point())
      throw std::invalid_argument(std::string(kOp) + ": attn_mask must be bool or floating point, got " +
                                  dtype_name(mask.dtype()));
    if (autograd::any_requires_grad({&mask}))
      throw std::invalid_argument(std::string(kOp) + ": no gradient flows into attn_mask; pass it detached");
  }
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& attn_mask,
                                    double dropout_p, bool is_causal, std::optional<double> scale) {
  check_args(query, key, value, attn_mask, dropout_p, is_causal);
  const int64_t L = query.size(-2), E = query.size(-1), S = key.size(-2), Ev = value.size(-1);
  const Dims batch = broadcast_shapes(broadcast_shapes(batch_of(query), batch_of(key), kOp), batch_of(value), kOp);
  const int64_t N = numel_of(batch);

  Tensor mask;  // expanded to batch + [L, S], floating masks in the query's dtype
  if (attn_mask.defined()) {
    const Dims full = with_last2(batch, L, S);
    if (broadcast_shapes(attn_mask.sizes(), full, kOp) != full)
      throw std::invalid_argument(std::string(kOp) + ": attn_mask of shape " + to_string(attn_mask.sizes()) +
                                  " does not broadcast to the attention weights' shape " + to_string(full));
    mask = attn_mask.dtype() == kBool ? attn_mask.detach() : kernels::convert(attn_mask.detach(), query.dtype());
    mask = mask.expand(full);
  }

  kernels::AttentionGeometry g;
  g.n = N, g.l = L, g.s = S, g.e = E, g.ev = Ev;
  g.scale = scale ? *scale : (E > 0 ? 1 / std::sqrt(static_cast<double>(E)) : 1.0);
  g.causal = is_causal;
  g.dropout_p = dropout_p;
  if (dropout_p > 0) g.dropout_seed = default_generator().random64();

  Tensor q = flat_batch(query, batch), k = flat_batch(key, batch), v = flat_batch(value, batch);
  Tensor out = detail::make_empty(with_last2(batch, L, Ev), query.dtype());
  Tensor lse = detail::make_empty({N, L}, query.dtype());
  const kernels::AttentionMask md = describe_mask(mask, N);
  AG_DISPATCH_FLOATING(query.dtype(), kOp, [&] {
    kernels::attention_forward<scalar_t>(g, md, q.data_ptr<scalar_t>(), k.data_ptr<scalar_t>(), v.data_ptr<scalar_t>(),
                                         out.data_ptr<scalar_t>(), lse.data_ptr<scalar_t>());
  });
  if (autograd::any_requires_grad({&query, &key, &value}))
    record(kNode, out, {&query, &key, &value},
           [sq = SavedTensor(query), sk = SavedTensor(key), sv = SavedTensor(value), lse, sm = SavedTensor(mask), g, batch](
               const Tensor& grad, NeedsGrad needs) -> TensorList {
             const Tensor &q0 = sq.unpack(kNode), &k0 = sk.unpack(kNode), &v0 = sv.unpack(kNode);
             Tensor q = flat_batch(q0, batch), k = flat_batch(k0, batch), v = flat_batch(v0, batch);
             Tensor go = kernels::contiguous(grad);
             Tensor gq, gk, gv;
             if (needs[0]) gq = detail::make_empty(q.sizes(), q.dtype());
             if (needs[1]) gk = detail::make_empty(k.sizes(), k.dtype());
             if (needs[2]) gv = detail::make_empty(v.sizes(), v.dtype());
             // A mask changed in place since forward would silently change the recomputed weights.
             const kernels::AttentionMask md = describe_mask(sm.unpack(kNode), g.n);
             AG_DISPATCH_FLOATING(q.dtype(), "scaled_dot_product_attention_backward", [&] {
               auto ptr = [](const Tensor& t) { return t.defined() ? t.data_ptr<scalar_t>() : nullptr; };
               kernels::attention_backward<scalar_t>(g, md, ptr(q), ptr(k), ptr(v), ptr(lse), ptr(go), ptr(gq), ptr(gk),
                                                     ptr(gv));
             });
             // Inputs whose batch dims were broadcast get their gradient summed back.
             auto fold = [](const Tensor& t, const Tensor& like) {
               return !t.defined() || t.sizes() == like.sizes() ? t : kernels::sum_to(t, like.sizes());
             };
             return {fold(gq, q0), fold(gk, k0), fold(gv, v0)};
           });
  return out;
}

}  // namespace ag::nn::functional
