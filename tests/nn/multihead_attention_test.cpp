// MultiheadAttention against an independent composition (per sample and per
// head: 2-D matmuls, softmax, cat), PyTorch's parameter names and init, every
// input layout, every mask form, both weight paths, and float64 gradchecks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ag/ag.h"
#include "ag/nn/nn.h"
#include "layers/layers_util.h"
#include "ops/gradcheck_util.h"

namespace nn = ag::nn;
namespace F = ag::nn::functional;
using ag::Tensor;
using ag::TensorList;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// (L, N, E) inputs; `mask` undefined or an additive float (N, H, L, S). Returns the output
// (L, N, E) and the per-head weights (N, H, L, S).
std::pair<Tensor, Tensor> reference(nn::MultiheadAttention& m, const Tensor& query, const Tensor& key,
                                    const Tensor& value, const Tensor& mask = {}) {
  const int64_t E = m->options.embed_dim(), H = m->options.num_heads(), Eh = E / H;
  Tensor W = m->in_proj_weight, b = m->in_proj_bias;
  auto project = [&](const Tensor& x, int64_t part) {
    return ag::matmul(x, W.narrow(0, part * E, E).t()) + b.narrow(0, part * E, E);
  };
  TensorList outs, weights;
  for (int64_t n = 0; n < query.size(1); ++n) {
    Tensor Q = project(query.select(1, n), 0), K = project(key.select(1, n), 1), V = project(value.select(1, n), 2);
    TensorList heads, ws;
    for (int64_t h = 0; h < H; ++h) {
      Tensor s = ag::matmul(Q.narrow(1, h * Eh, Eh), K.narrow(1, h * Eh, Eh).t()) / std::sqrt(static_cast<double>(Eh));
      if (mask.defined()) s = s + mask.index({n, h});
      Tensor P = F::softmax(s, -1);
      heads.push_back(ag::matmul(P, V.narrow(1, h * Eh, Eh)));
      ws.push_back(P);
    }
    outs.push_back(ag::matmul(ag::cat(heads, 1), m->out_proj->weight.t()) + m->out_proj->bias);
    weights.push_back(ag::stack(ws, 0));
  }
  return {ag::stack(outs, 1), ag::stack(weights, 0)};
}

nn::MultiheadAttention make(int64_t E, int64_t H, bool batch_first = false) {
  ag::manual_seed(21);
  nn::MultiheadAttention m(nn::MultiheadAttentionOptions(E, H).batch_first(batch_first));
  m->to(ag::kFloat64);
  // Non-zero biases, so a bias dropped or misplaced shows.
  ag::NoGradGuard no_grad;
  m->in_proj_bias.copy_(ag::randn({3 * E}, ag::kFloat64));
  m->out_proj->bias.copy_(ag::randn({E}, ag::kFloat64));
  return m;
}

}  // namespace

TEST(MultiheadAttention, ParametersAndInitAsPyTorch) {
  ag::manual_seed(3);
  nn::MultiheadAttention m(8, 2);
  auto params = m->named_parameters();
  std::vector<std::string> names;
  for (auto& item : params) names.push_back(item.first);
  EXPECT_EQ(names, (std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}));
  EXPECT_EQ(m->in_proj_weight.sizes(), (ag::Dims{24, 8}));
  EXPECT_EQ(m->in_proj_bias.abs().sum().item(), 0.0);
  EXPECT_EQ(m->out_proj->bias.abs().sum().item(), 0.0);
  // PyTorch's draw order: out_proj's Linear init first, then xavier_uniform_ on in_proj_weight.
  ag::manual_seed(3);
  nn::Linear lin(8, 8);
  Tensor w = ag::empty({24, 8});
  nn::init::xavier_uniform_(w);
  EXPECT_TRUE(m->out_proj->weight.equal(lin->weight));
  EXPECT_TRUE(m->in_proj_weight.equal(w));
  EXPECT_LE(m->in_proj_weight.abs().max().item(), std::sqrt(6.0 / (8 + 24)));
  nn::MultiheadAttention no_bias(nn::MultiheadAttentionOptions(8, 2).bias(false).dropout(0.1));
  EXPECT_EQ(no_bias->named_parameters().size(), 2u);
  EXPECT_FALSE(no_bias->in_proj_bias.defined());
}

TEST(MultiheadAttention, MatchesTheCompositionWithAndWithoutWeights) {
  auto m = make(8, 2);
  ag::manual_seed(4);
  Tensor q = ag::randn({5, 3, 8}, ag::kFloat64), k = ag::randn({6, 3, 8}, ag::kFloat64), v = ag::randn({6, 3, 8}, ag::kFloat64);
  auto [ref_out, ref_w] = reference(m, q, k, v);
  auto [out, w] = m(q, k, v);
  EXPECT_TRUE(out.allclose(ref_out, 1e-10, 1e-12));
  EXPECT_EQ(w.sizes(), (ag::Dims{3, 5, 6}));
  EXPECT_TRUE(w.allclose(ref_w.mean(1), 1e-10, 1e-12));
  auto [out2, w2] = m(q, k, v, Tensor(), true, Tensor(), false);
  EXPECT_TRUE(w2.allclose(ref_w, 1e-10, 1e-12));
  auto [fused, none] = m(q, k, v, Tensor(), false);
  EXPECT_FALSE(none.defined());
  EXPECT_TRUE(fused.allclose(ref_out, 1e-10, 1e-12));
  // Self-attention takes the single-product in-projection.
  auto [self_out, self_w] = m(q, q, q);
  EXPECT_TRUE(self_out.allclose(reference(m, q, q, q).first, 1e-10, 1e-12));
}

TEST(MultiheadAttention, MasksAsPyTorch) {
  auto m = make(8, 2);
  ag::manual_seed(5);
  const int64_t L = 5, S = 6, N = 3, H = 2;
  Tensor q = ag::randn({L, N, 8}, ag::kFloat64), k = ag::randn({S, N, 8}, ag::kFloat64), v = ag::randn({S, N, 8}, ag::kFloat64);
  // Bool masks: true = the key is masked.
  Tensor future = ag::ones({L, S}, ag::kBool).triu(1);
  Tensor padding = ag::zeros({N, S}, ag::kBool);
  padding.index({0, 5}).fill_(1);
  padding.index({2, 3}).fill_(1);
  Tensor additive = ag::zeros({N, H, L, S}, ag::kFloat64)
                        .masked_fill(future, -kInf)
                        .masked_fill(padding.view({N, 1, 1, S}), -kInf);
  auto [ref_out, ref_w] = reference(m, q, k, v, additive);
  for (bool need : {true, false}) {
    auto [out, w] = m(q, k, v, padding, need, future);
    EXPECT_TRUE(out.allclose(ref_out, 1e-10, 1e-12)) << "need_weights " << need;
    if (need) {
      EXPECT_TRUE(w.allclose(ref_w.mean(1), 1e-10, 1e-12));
    }
    // is_causal with the causal mask: the fused path masks by position, same numbers.
    auto [causal_out, unused] = m(q, k, v, Tensor(), need, future, true, true);
    EXPECT_TRUE(causal_out.allclose(reference(m, q, k, v, ag::zeros({N, H, L, S}, ag::kFloat64).masked_fill(future, -kInf)).first,
                                    1e-10, 1e-12));
  }
  // A float attn_mask per (sample, head), and a float key_padding_mask.
  Tensor fmask = ag::randn({N * H, L, S}, ag::kFloat64);
  Tensor fpad = ag::randn({N, S}, ag::kFloat64);
  auto ref = reference(m, q, k, v, fmask.view({N, H, L, S}) + fpad.view({N, 1, 1, S})).first;
  EXPECT_TRUE(std::get<0>(m(q, k, v, fpad, true, fmask)).allclose(ref, 1e-10, 1e-12));
  EXPECT_TRUE(std::get<0>(m(q, k, v, fpad, false, fmask)).allclose(ref, 1e-10, 1e-12));
}

TEST(MultiheadAttention, BatchFirstAndUnbatched) {
  auto m = make(6, 3), mb = make(6, 3, true);
  ag::manual_seed(6);
  Tensor q = ag::randn({4, 2, 6}, ag::kFloat64), k = ag::randn({3, 2, 6}, ag::kFloat64);
  auto [out, w] = m(q, k, k);
  auto [out_b, w_b] = mb(q.transpose(0, 1), k.transpose(0, 1), k.transpose(0, 1));
  EXPECT_EQ(out_b.sizes(), (ag::Dims{2, 4, 6}));
  EXPECT_TRUE(out_b.allclose(out.transpose(0, 1), 1e-12, 1e-12));
  EXPECT_TRUE(w_b.allclose(w, 1e-12, 1e-12));
  auto [single, sw] = m(q.select(1, 1), k.select(1, 1), k.select(1, 1), ag::zeros({3}, ag::kBool));
  EXPECT_EQ(single.sizes(), (ag::Dims{4, 6}));
  EXPECT_EQ(sw.sizes(), (ag::Dims{4, 3}));
  EXPECT_TRUE(single.allclose(out.select(1, 1), 1e-12, 1e-12));
}

TEST(MultiheadAttention, DropoutOnlyInTraining) {
  ag::manual_seed(7);
  nn::MultiheadAttention m(nn::MultiheadAttentionOptions(8, 2).dropout(0.5));
  Tensor x = ag::randn({4, 2, 8});
  for (bool need : {true, false}) {
    ag::manual_seed(1);
    Tensor a = std::get<0>(m(x, x, x, Tensor(), need));
    ag::manual_seed(1);
    Tensor b = std::get<0>(m(x, x, x, Tensor(), need));
    EXPECT_TRUE(a.equal(b));
    m->eval();
    Tensor plain = std::get<0>(m(x, x, x, Tensor(), need));
    m->train();
    EXPECT_FALSE(a.allclose(plain, 1e-4, 1e-4));
    nn::MultiheadAttention no_drop(8, 2);
    {
      ag::NoGradGuard g;
      auto src = m->parameters(), dst = no_drop->parameters();
      for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
    }
    EXPECT_TRUE(plain.allclose(std::get<0>(no_drop(x, x, x, Tensor(), need)), 1e-6, 1e-6));
  }
}

TEST(MultiheadAttentionGrad, Gradcheck) {
  auto m = make(4, 2);
  auto q = agtest::leaf({3, 2, 4}, 31), k = agtest::leaf({5, 2, 4}, 32), v = agtest::leaf({5, 2, 4}, 33);
  Tensor padding = ag::zeros({2, 5}, ag::kBool);
  padding.index({1, 4}).fill_(1);
  for (bool need : {true, false})
    EXPECT_GRADCHECK([&, need](const TensorList& x) { return std::get<0>(m(x[0], x[1], x[2], padding, need)); }, {q, k, v});
  EXPECT_GRADCHECK([&](const TensorList& x) { return std::get<1>(m(x[0], x[1], x[2])); }, {q, k, v});
  // The parameters' gradients, through the fused path.
  auto [out, w] = m(q, k, v, padding, false);
  out.sum().backward();
  for (auto& p : m->named_parameters()) EXPECT_TRUE(p.second.grad().defined()) << p.first;
}

TEST(MultiheadAttention, ErrorsNameTheProblem) {
  EXPECT_THROW(nn::MultiheadAttention(10, 3), std::invalid_argument);
  nn::MultiheadAttention m(8, 2);
  Tensor q = ag::randn({5, 3, 8});
  EXPECT_NE(agtest::error_of([&] { m(q, ag::randn({6, 3, 7}), ag::randn({6, 3, 7})); }).find("key and value"), std::string::npos);
  EXPECT_NE(agtest::error_of([&] { m(ag::randn({5, 3, 6}), q, q); }).find("embed_dim 8"), std::string::npos);
  EXPECT_NE(agtest::error_of([&] { m(q, q, q, ag::zeros({3, 4}, ag::kBool)); }).find("key_padding_mask"), std::string::npos);
  EXPECT_NE(agtest::error_of([&] { m(q, q, q, Tensor(), true, ag::zeros({4, 5}, ag::kBool)); }).find("attn_mask"), std::string::npos);
  EXPECT_NE(agtest::error_of([&] { m(q, q, q, Tensor(), false, Tensor(), true, true); }).find("is_causal"), std::string::npos);
}
