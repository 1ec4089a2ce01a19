// batch_norm and layer_norm: values against the definition, running-stat
// updates, evaluation mode, gradients in both modes, and the error messages.
#include <cmath>

#include "layers/layers_util.h"

namespace F = ag::nn::functional;
using ag::Tensor;
using ag::TensorList;
using agtest::leaf;
using agtest::values;

namespace {

// Batch norm from the definition: per channel c over (n, spatial), biased variance.
struct BatchStats {
  std::vector<double> mean, var;
};

BatchStats channel_stats(const Tensor& x) {
  const int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C);
  std::vector<double> v = values(x), mean(C, 0), var(C, 0);
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) mean[c] += v[(n * C + c) * S + s];
    mean[c] /= static_cast<double>(N * S);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) var[c] += std::pow(v[(n * C + c) * S + s] - mean[c], 2);
    var[c] /= static_cast<double>(N * S);
  }
  return {mean, var};
}

Tensor normalise_channels(const Tensor& x, const std::vector<double>& mean, const std::vector<double>& var,
                          const std::vector<double>& w, const std::vector<double>& b, double eps) {
  const int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C);
  std::vector<double> v = values(x);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t s = 0; s < S; ++s) {
        double& e = v[(n * C + c) * S + s];
        e = (e - mean[c]) / std::sqrt(var[c] + eps) * w[c] + b[c];
      }
  return ag::from_vector(v, x.sizes());
}

}  // namespace

TEST(BatchNorm, WorkedExampleAndRunningStats) {
  Tensor x = ag::tensor({{1., 2.}, {3., 6.}});
  Tensor rm = ag::zeros({2}), rv = ag::ones({2});
  Tensor y = F::batch_norm(x, rm, rv, Tensor(), Tensor(), true);
  // Channel 0: {1, 3}, mean 2, biased var 1. Channel 1: {2, 6}, mean 4, biased var 4.
  const double e = 1e-5;
  Tensor expect = ag::tensor({{-1 / std::sqrt(1 + e), -2 / std::sqrt(4 + e)}, {1 / std::sqrt(1 + e), 2 / std::sqrt(4 + e)}});
  EXPECT_TRUE(y.allclose(expect, 1e-6, 1e-6)) << y;
  // running = 0.9·running + 0.1·batch, with the unbiased variances 2 and 8.
  EXPECT_TRUE(rm.allclose(ag::tensor({0.2f, 0.4f}))) << rm;
  EXPECT_TRUE(rv.allclose(ag::tensor({0.9f + 0.2f, 0.9f + 0.8f}))) << rv;
  EXPECT_GT(rm._version(), 0u);
  F::batch_norm(x, rm, rv, Tensor(), Tensor(), true, 0.5);
  EXPECT_TRUE(rm.allclose(ag::tensor({0.5f * 0.2f + 0.5f * 2, 0.5f * 0.4f + 0.5f * 4}))) << rm;
  EXPECT_TRUE(rv.allclose(ag::tensor({0.5f * 1.1f + 0.5f * 2, 0.5f * 1.7f + 0.5f * 8}))) << rv;
}

TEST(BatchNorm, TrainingMatchesDefinitionForEveryRank) {
  for (ag::ScalarType dt : {ag::kFloat32, ag::kFloat64})
    for (ag::Dims shape : {ag::Dims{8, 3}, ag::Dims{4, 3, 5}, ag::Dims{3, 4, 5, 6}}) {
      ag::manual_seed(11);
      Tensor x = ag::randn(shape, dt) * 3 + 1, w = ag::randn({shape[1]}, dt), b = ag::randn({shape[1]}, dt);
      Tensor rm = ag::randn({shape[1]}, dt), rv = ag::rand({shape[1]}, dt) + 0.5;
      std::vector<double> rm0 = values(rm), rv0 = values(rv);
      Tensor y = F::batch_norm(x, rm, rv, w, b, true, 0.3, 1e-3);
      BatchStats st = channel_stats(x);
      Tensor ref = normalise_channels(x, st.mean, st.var, values(w), values(b), 1e-3);
      EXPECT_LT(agtest::max_abs_diff(y, ref), dt == ag::kFloat32 ? 1e-5 : 1e-12) << to_string(shape);
      const double M = static_cast<double>(x.numel() / shape[1]);
      std::vector<double> rm1 = values(rm), rv1 = values(rv);
      for (int64_t c = 0; c < shape[1]; ++c) {
        EXPECT_NEAR(rm1[c], 0.7 * rm0[c] + 0.3 * st.mean[c], 1e-6);
        EXPECT_NEAR(rv1[c], 0.7 * rv0[c] + 0.3 * st.var[c] * M / (M - 1), 1e-5);
      }
    }
}

TEST(BatchNorm, EvaluationUsesRunningStatsAndLeavesThemAlone) {
  ag::manual_seed(12);
  Tensor x = ag::randn({4, 3, 2, 2}), w = ag::randn({3}), b = ag::randn({3});
  Tensor rm = ag::randn({3}), rv = ag::rand({3}) + 0.5;
  Tensor rm0 = rm.clone(), rv0 = rv.clone();
  Tensor y = F::batch_norm(x, rm, rv, w, b, false);
  EXPECT_TRUE(rm.equal(rm0));
  EXPECT_TRUE(rv.equal(rv0));
  Tensor ref = normalise_channels(x, values(rm), values(rv), values(w), values(b), 1e-5);
  EXPECT_LT(agtest::max_abs_diff(y, ref), 1e-5);
  // No running stats in training: batch statistics, nothing to update.
  Tensor yt = F::batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true);
  BatchStats st = channel_stats(x);
  EXPECT_LT(agtest::max_abs_diff(yt, normalise_channels(x, st.mean, st.var, {1, 1, 1}, {0, 0, 0}, 1e-5)), 1e-5);
}

TEST(BatchNormGrad, TrainingAndEvaluation) {
  for (ag::Dims shape : {ag::Dims{5, 3}, ag::Dims{2, 3, 3, 2}, ag::Dims{3, 2, 4}}) {
    const int64_t C = shape[1];
    Tensor x = leaf(shape, 31), w = leaf({C}, 32), b = leaf({C}, 33);
    Tensor rm = ag::randn({C}, ag::kFloat64), rv = ag::rand({C}, ag::kFloat64) + 0.5;
    for (bool training : {true, false}) {
      EXPECT_GRADCHECK(
          [&](const TensorList& in) { return F::batch_norm(in[0], rm, rv, in[1], in[2], training, 0.1, 1e-3); },
          {x, w, b});
      EXPECT_GRADCHECK([&](const TensorList& in) { return F::batch_norm(in[0], rm, rv, Tensor(), Tensor(), training); },
                       {x});
    }
  }
}

TEST(BatchNormGrad, OnlyAffineParameters) {
  Tensor x = ag::randn({4, 3, 2, 2}, ag::kFloat64), w = leaf({3}, 34), b = leaf({3}, 35);
  EXPECT_GRADCHECK([&](const TensorList& in) { return F::batch_norm(x, Tensor(), Tensor(), in[0], in[1], true); },
                   {w, b});
}

TEST(BatchNormErrors, NameTheOpAndTheShapes) {
  using agtest::error_of;
  Tensor x = ag::ones({4, 3, 2, 2});
  EXPECT_EQ(error_of([&] { F::batch_norm(x, ag::zeros({4}), ag::ones({3})); }),
            "batch_norm: running_mean should have shape [3] (one per channel of input [4, 3, 2, 2]), got [4]");
  EXPECT_EQ(error_of([&] { F::batch_norm(x, ag::zeros({3}), ag::ones({3}), ag::ones({2})); }),
            "batch_norm: weight should have shape [3] (one per channel of input [4, 3, 2, 2]), got [2]");
  EXPECT_EQ(error_of([] { F::batch_norm(ag::ones({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true); }),
            "batch_norm: expected more than 1 value per channel when training, got input of shape [1, 3]");
  EXPECT_EQ(error_of([&] { F::batch_norm(x, Tensor(), Tensor()); }),
            "batch_norm: running_mean and running_var must be given in evaluation mode (training=false)");
  EXPECT_NE(error_of([] { F::batch_norm(ag::ones({3}), ag::zeros({3}), ag::ones({3})); }).find("at least 2 dims"),
            std::string::npos);
}

TEST(LayerNorm, MatchesDefinition) {
  for (ag::ScalarType dt : {ag::kFloat32, ag::kFloat64}) {
    ag::manual_seed(13);
    Tensor x = ag::randn({3, 4, 5}, dt) * 2 + 0.5, w = ag::randn({4, 5}, dt), b = ag::randn({4, 5}, dt);
    Tensor y = F::layer_norm(x, {4, 5}, w, b, 1e-3);
    std::vector<double> xv = values(x), wv = values(w), bv = values(b), ref(xv.size());
    for (int64_t r = 0; r < 3; ++r) {
      double m = 0, v = 0;
      for (int64_t d = 0; d < 20; ++d) m += xv[r * 20 + d] / 20;
      for (int64_t d = 0; d < 20; ++d) v += std::pow(xv[r * 20 + d] - m, 2) / 20;
      for (int64_t d = 0; d < 20; ++d) ref[r * 20 + d] = (xv[r * 20 + d] - m) / std::sqrt(v + 1e-3) * wv[d] + bv[d];
    }
    EXPECT_LT(agtest::max_abs_diff(y, ag::from_vector(ref, {3, 4, 5})), dt == ag::kFloat32 ? 1e-5 : 1e-12);
    // Without weight and bias: every row has mean 0 and biased variance 1/(1 + eps/var) ≈ 1.
    Tensor z = F::layer_norm(x, {5});
    EXPECT_LT(z.mean({-1}).abs().max().item(), 1e-5);
    EXPECT_LT((z.var({-1}, false) - 1).abs().max().item(), 1e-3);
  }
}

TEST(LayerNormGrad, EveryInput) {
  Tensor x = leaf({3, 2, 4}, 41), w = leaf({4}, 42), b = leaf({4}, 43), w2 = leaf({2, 4}, 44), b2 = leaf({2, 4}, 45);
  EXPECT_GRADCHECK([](const TensorList& in) { return F::layer_norm(in[0], {4}, in[1], in[2], 1e-3); }, {x, w, b});
  EXPECT_GRADCHECK([](const TensorList& in) { return F::layer_norm(in[0], {2, 4}, in[1], in[2]); }, {x, w2, b2});
  EXPECT_GRADCHECK([](const TensorList& in) { return F::layer_norm(in[0], {4}); }, {x});
  EXPECT_GRADCHECK([](const TensorList& in) { return F::layer_norm(in[0].transpose(0, 2), {3}); }, {x});
}

TEST(LayerNormErrors, NameTheShapes) {
  using agtest::error_of;
  EXPECT_EQ(error_of([] { F::layer_norm(ag::ones({2, 4}), {3}); }),
            "layer_norm: given normalized_shape=[3], expected input with shape [*, 3], but got input of shape [2, 4]");
  EXPECT_EQ(error_of([] { F::layer_norm(ag::ones({2, 4}), {4}, ag::ones({2})); }),
            "layer_norm: weight should have normalized_shape [4], got [2]");
}
