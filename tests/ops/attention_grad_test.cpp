// scaled_dot_product_attention: values against the unfused composition
// softmax(q·kᵀ·scale + mask)·v, float64 gradient checks for every mask form and
// batch rank, gradients against the composition across several row blocks,
// and dropout's reproducibility.
#include <cmath>
#include <limits>

#include "layers/layers_util.h"
#include "ops/gradcheck_util.h"

using ag::Tensor;
using ag::TensorList;
using agtest::leaf;
namespace F = ag::nn::functional;

namespace {

// Bool [L, S], true where key j may be seen from query i (j <= i).
Tensor causal_keep(int64_t l, int64_t s) {
  return ag::arange(0, l).unsqueeze(1) >= ag::arange(0, s).unsqueeze(0);
}

// The composition the fused op replaces, built from matmul, softmax and where.
Tensor reference(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask = {}, bool causal = false,
                 std::optional<double> scale = std::nullopt) {
  double sc = scale ? *scale : 1 / std::sqrt(static_cast<double>(q.size(-1)));
  Tensor s = ag::matmul(q, k.transpose(-2, -1)) * sc;
  Tensor keep = causal ? causal_keep(q.size(-2), k.size(-2)) : mask;
  if (keep.defined() && keep.dtype() == ag::kBool)
    s = ag::where(keep, s, ag::full({}, -std::numeric_limits<double>::infinity(), s.dtype()));
  else if (keep.defined())
    s = s + keep;
  return ag::matmul(F::softmax(s, -1), v);
}

Tensor sdpa(const TensorList& x, const Tensor& mask = {}, bool causal = false) {
  return F::scaled_dot_product_attention(x[0], x[1], x[2], mask, 0.0, causal);
}

}  // namespace

TEST(ScaledDotProductAttention, MatchesTheComposition) {
  ag::manual_seed(5);
  for (auto dt : {ag::kFloat32, ag::kFloat64}) {
    double tol = dt == ag::kFloat32 ? 1e-5 : 1e-12;
    auto q = ag::randn({2, 3, 5, 4}, dt), k = ag::randn({2, 3, 7, 4}, dt), v = ag::randn({2, 3, 7, 6}, dt);
    Tensor bmask = ag::rand({5, 7}) > 0.3;
    bmask.index({ag::Slice(), 0}).fill_(1);  // no row fully masked here
    Tensor fmask = ag::randn({3, 1, 7}, dt);
    EXPECT_TRUE(F::scaled_dot_product_attention(q, k, v).allclose(reference(q, k, v), tol, tol));
    EXPECT_TRUE(F::scaled_dot_product_attention(q, k, v, {}, 0, true).allclose(reference(q, k, v, {}, true), tol, tol));
    EXPECT_TRUE(F::scaled_dot_product_attention(q, k, v, bmask).allclose(reference(q, k, v, bmask), tol, tol));
    EXPECT_TRUE(F::scaled_dot_product_attention(q, k, v, fmask).allclose(reference(q, k, v, fmask), tol, tol));
    EXPECT_TRUE(F::scaled_dot_product_attention(q, k, v, {}, 0, false, 0.3).allclose(reference(q, k, v, {}, false, 0.3), tol, tol));
    EXPECT_EQ(F::scaled_dot_product_attention(q, k, v).sizes(), (ag::Dims{2, 3, 5, 6}));
    // L > S with causal: rows past S see every key.
    auto q9 = ag::randn({2, 9, 4}, dt), k3 = ag::randn({2, 3, 4}, dt), v3 = ag::randn({2, 3, 2}, dt);
    EXPECT_TRUE(F::scaled_dot_product_attention(q9, k3, v3, {}, 0, true).allclose(reference(q9, k3, v3, {}, true), tol, tol));
    // Broadcast batch dims: one key/value set for every query batch.
    auto kb = ag::randn({7, 4}, dt), vb = ag::randn({1, 7, 6}, dt);
    Tensor fused = F::scaled_dot_product_attention(q, kb, vb);
    EXPECT_EQ(fused.sizes(), (ag::Dims{2, 3, 5, 6}));
    EXPECT_TRUE(fused.allclose(reference(q, kb, vb), tol, tol));
  }
  // The torch:: spelling is the same op.
  auto q = ag::randn({2, 3, 4});
  EXPECT_TRUE(ag::scaled_dot_product_attention(q, q, q, {}, 0, true).equal(F::scaled_dot_product_attention(q, q, q, {}, 0, true)));
}

TEST(ScaledDotProductAttention, FullyMaskedRowIsZero) {
  auto q = ag::randn({3, 4}, ag::kFloat64).requires_grad_(), k = ag::randn({5, 4}, ag::kFloat64).requires_grad_(),
       v = ag::randn({5, 2}, ag::kFloat64).requires_grad_();
  Tensor mask = ag::ones({3, 5}, ag::kBool);
  mask.index({1}).fill_(0);
  Tensor out = F::scaled_dot_product_attention(q, k, v, mask);
  EXPECT_TRUE(out.index({1}).equal(ag::zeros({2}, ag::kFloat64)));
  EXPECT_TRUE(ag::all_finite(out));
  out.sum().backward();
  EXPECT_TRUE(q.grad().index({1}).equal(ag::zeros({4}, ag::kFloat64)));
  EXPECT_TRUE(ag::all_finite(k.grad()) && ag::all_finite(v.grad()));
}

TEST(ScaledDotProductAttentionGrad, Gradcheck) {
  // Batch rank 1 and 2, L != S, every mask form.
  for (ag::Dims batch : {ag::Dims{2}, ag::Dims{2, 2}}) {
    auto dims = [&](int64_t a, int64_t b) { ag::Dims d = batch; d.push_back(a); d.push_back(b); return d; };
    auto q = leaf(dims(4, 3), 61), k = leaf(dims(6, 3), 62), v = leaf(dims(6, 5), 63);
    Tensor bmask = ag::rand({4, 6}) > 0.4;
    bmask.index({ag::Slice(), 0}).fill_(1);
    Tensor fmask = ag::randn({4, 6}, ag::kFloat64);
    EXPECT_GRADCHECK([](const TensorList& x) { return sdpa(x); }, {q, k, v});
    EXPECT_GRADCHECK([](const TensorList& x) { return sdpa(x, {}, true); }, {q, k, v});
    EXPECT_GRADCHECK([bmask](const TensorList& x) { return sdpa(x, bmask); }, {q, k, v});
    EXPECT_GRADCHECK([fmask](const TensorList& x) { return sdpa(x, fmask); }, {q, k, v});
  }
  // L > S causal, a custom scale, and broadcast key/value batch dims.
  auto q = leaf({2, 5, 3}, 64), k = leaf({3, 3}, 65), v = leaf({1, 3, 2}, 66);
  EXPECT_GRADCHECK([](const TensorList& x) { return F::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0, true, 0.7); },
                   {q, k, v});
}

TEST(ScaledDotProductAttentionGrad, MatchesTheCompositionAcrossBlocks) {
  // 150 query rows span three 64-row blocks; causal skips different column ranges in each.
  for (bool causal : {false, true}) {
    auto q = leaf({2, 150, 8}, 71), k = leaf({2, 130, 8}, 72), v = leaf({2, 130, 5}, 73);
    Tensor go = ag::randn({2, 150, 5}, ag::kFloat64);
    Tensor fused = F::scaled_dot_product_attention(q, k, v, {}, 0, causal);
    EXPECT_EQ(fused.grad_fn()->name(), "ScaledDotProductFlashAttentionForCpuBackward0");
    auto g1 = ag::autograd::grad({fused}, {q, k, v}, {go});
    Tensor ref = reference(q, k, v, {}, causal);
    EXPECT_TRUE(fused.allclose(ref, 1e-10, 1e-10));
    auto g2 = ag::autograd::grad({ref}, {q, k, v}, {go});
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(g1[i].allclose(g2[i], 1e-9, 1e-10)) << "input " << i << " causal " << causal;
  }
}

TEST(ScaledDotProductAttentionGrad, MaskChangedInPlaceIsAnError) {
  auto q = leaf({2, 3, 4}, 74);
  Tensor mask = ag::zeros({3, 3}, ag::kFloat64);
  Tensor out = F::scaled_dot_product_attention(q, q, q, mask);
  mask.fill_(1);
  EXPECT_THROW(out.sum().backward(), std::runtime_error);
}

TEST(ScaledDotProductAttention, DropoutIsReproducibleAndScaled) {
  auto q = ag::randn({2, 6, 4}), k = ag::randn({2, 8, 4}), v = ag::randn({2, 8, 3});
  ag::manual_seed(11);
  Tensor a = F::scaled_dot_product_attention(q, k, v, {}, 0.4);
  ag::manual_seed(11);
  Tensor b = F::scaled_dot_product_attention(q, k, v, {}, 0.4);
  Tensor c = F::scaled_dot_product_attention(q, k, v, {}, 0.4);
  EXPECT_TRUE(a.equal(b));
  EXPECT_FALSE(a.equal(c));
  EXPECT_TRUE(F::scaled_dot_product_attention(q, k, v, {}, 0.0).equal(F::scaled_dot_product_attention(q, k, v)));
  EXPECT_TRUE(F::scaled_dot_product_attention(q, k, v, {}, 1.0).equal(ag::zeros({2, 6, 3})));
  // Uniform weights (q = 0) times the identity show the weights themselves: each is 0 or
  // 1/(S·(1−p)), and about p of them are 0.
  const int64_t S = 64;
  const double p = 0.25;
  Tensor w = F::scaled_dot_product_attention(ag::zeros({4, 64, 4}, ag::kFloat64), ag::randn({S, 4}, ag::kFloat64),
                                             ag::eye(S, ag::kFloat64), {}, p);
  Tensor kept = w > 0;
  double dropped = 1 - kept.to(ag::kFloat64).mean().item();
  EXPECT_NEAR(dropped, p, 0.03);
  EXPECT_TRUE(ag::where(kept, w, ag::full({}, 1.0 / (S * (1 - p)), ag::kFloat64))
                  .allclose(ag::full({4, 64, S}, 1.0 / (S * (1 - p)), ag::kFloat64), 1e-12, 1e-14));
}

TEST(ScaledDotProductAttentionGrad, GradcheckWithDropout) {
  // Reseeding before each evaluation makes every finite difference see the same mask.
  auto q = leaf({2, 4, 3}, 81), k = leaf({2, 5, 3}, 82), v = leaf({2, 5, 2}, 83);
  for (bool causal : {false, true})
    EXPECT_GRADCHECK(
        [causal](const TensorList& x) {
          ag::manual_seed(123);
          return F::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.3, causal);
        },
        {q, k, v});
}

TEST(ScaledDotProductAttention, ErrorsNameTheProblem) {
  auto q = ag::randn({2, 4, 3}), k = ag::randn({2, 5, 3}), v = ag::randn({2, 5, 2});
  EXPECT_NE(agtest::error_of([&] { F::scaled_dot_product_attention(q, ag::randn({2, 5, 4}), v); }).find("differ in E"), std::string::npos);
  EXPECT_NE(agtest::error_of([&] { F::scaled_dot_product_attention(q, k, ag::randn({2, 6, 2})); }).find("differ in S"), std::string::npos);
  EXPECT_NE(agtest::error_of([&] { F::scaled_dot_product_attention(q, k, v, ag::ones({4, 5}, ag::kBool), 0, true); }).find("is_causal"),
            std::string::npos);
  EXPECT_NE(agtest::error_of([&] { F::scaled_dot_product_attention(q, k, v, ag::ones({4, 6}, ag::kBool)); }).find("[2, 4, 5]"),
            std::string::npos);
  EXPECT_NE(agtest::error_of([&] { F::scaled_dot_product_attention(q, k, v, {}, 1.5); }).find("dropout_p"), std::string::npos);
  EXPECT_NE(agtest::error_of([&] { F::scaled_dot_product_attention(ag::randn({3}), k, v); }).find("query"), std::string::npos);
  EXPECT_NE(agtest::error_of([&] { F::scaled_dot_product_attention(q, k.to(ag::kFloat64), v); }).find("dtype"), std::string::npos);
  EXPECT_NE(agtest::error_of([&] { F::scaled_dot_product_attention(q, k, v, ag::zeros({4, 5}).requires_grad_()); }).find("attn_mask"),
            std::string::npos);
}
