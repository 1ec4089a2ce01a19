// LinearOptions and the loss options in libtorch's builder spelling, and the
// reductions ag::kMean / kSum / kNone.
#include <gtest/gtest.h>

#include <cmath>
#include <type_traits>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace nn = ag::nn;
namespace F = ag::nn::functional;

static_assert(ag::kMean == nn::Reduction::Mean && ag::kSum == nn::Reduction::Sum && ag::kNone == nn::Reduction::None);
// Options are not aggregates: the builder chain is the one way to write them.
static_assert(!std::is_aggregate_v<nn::CrossEntropyLossOptions>);
static_assert(!std::is_aggregate_v<nn::LinearOptions>);
static_assert(std::is_same_v<F::CrossEntropyFuncOptions, nn::CrossEntropyLossOptions>);

TEST(LinearOptions, BuilderAndPositionalAgree) {
  auto o = nn::LinearOptions(4, 2).bias(false);
  EXPECT_EQ(o.in_features(), 4);
  EXPECT_EQ(o.out_features(), 2);
  EXPECT_FALSE(o.bias());
  EXPECT_TRUE(nn::LinearOptions(1, 1).bias());  // PyTorch's default
  nn::Linear no_bias(o);
  EXPECT_FALSE(no_bias->bias.defined());
  EXPECT_EQ(no_bias->named_parameters().keys(), (std::vector<std::string>{"weight"}));
  EXPECT_EQ(no_bias->weight.sizes(), (ag::Dims{2, 4}));
  EXPECT_EQ(no_bias->repr(), "Linear(in_features=4, out_features=2, bias=False)");
  EXPECT_EQ(no_bias->options.out_features(), 2);
  // The same seed gives the same values either way.
  ag::manual_seed(7);
  nn::Linear a(nn::LinearOptions(3, 5));
  ag::manual_seed(7);
  nn::Linear b(3, 5);
  EXPECT_TRUE(a->weight.equal(b->weight));
  EXPECT_TRUE(a->bias.equal(b->bias));
  EXPECT_THROW(nn::Linear(nn::LinearOptions(-1, 2)), std::invalid_argument);
}

TEST(LossOptions, SettersGettersAndDefaults) {
  auto w = ag::tensor({1.0, 2.0, 3.0}, ag::kFloat64);
  auto o = nn::CrossEntropyLossOptions().weight(w).ignore_index(0).reduction(ag::kSum).label_smoothing(0.25);
  EXPECT_TRUE(o.weight().is_same(w));
  EXPECT_EQ(o.ignore_index(), 0);
  EXPECT_EQ(o.reduction(), ag::kSum);
  EXPECT_EQ(o.label_smoothing(), 0.25);
  nn::CrossEntropyLossOptions d;
  EXPECT_FALSE(d.weight().defined());
  EXPECT_EQ(d.ignore_index(), -100);
  EXPECT_EQ(d.reduction(), ag::kMean);
  EXPECT_EQ(d.label_smoothing(), 0.0);
  d.ignore_index() = 3;  // assigning through the getter, as libtorch allows
  EXPECT_EQ(d.ignore_index(), 3);
  EXPECT_EQ(nn::NLLLossOptions().ignore_index(), -100);
  EXPECT_EQ(nn::BCELossOptions().reduction(), ag::kMean);
  EXPECT_FALSE(nn::BCEWithLogitsLossOptions().pos_weight().defined());
  EXPECT_EQ(nn::MSELossOptions(ag::kNone).reduction(), ag::kNone);
  EXPECT_EQ(nn::L1LossOptions().reduction(ag::kSum).reduction(), ag::kSum);
}

TEST(LossOptions, CrossEntropyModuleWithIgnoreIndexAndSum) {
  // Two samples over 3 classes; the first has target 0 = ignore_index.
  auto x = ag::tensor({{1.0, 2.0, 3.0}, {0.5, -1.0, 2.0}}, ag::kFloat64);
  auto y = ag::tensor({0, 2});
  nn::CrossEntropyLoss loss(nn::CrossEntropyLossOptions().ignore_index(0).reduction(ag::kSum));
  double lse = std::log(std::exp(0.5) + std::exp(-1.0) + std::exp(2.0));
  EXPECT_NEAR(loss(x, y).item(), lse - 2.0, 1e-12);
  EXPECT_EQ(loss->options.ignore_index(), 0);
  // The same options through the functional form.
  EXPECT_NEAR(F::cross_entropy(x, y, F::CrossEntropyFuncOptions().ignore_index(0).reduction(ag::kSum)).item(),
              lse - 2.0, 1e-12);
  // 'none' keeps one loss per sample; the ignored one is 0.
  auto none = F::cross_entropy(x, y, nn::CrossEntropyLossOptions().ignore_index(0).reduction(ag::kNone));
  EXPECT_TRUE(none.allclose(ag::tensor({0.0, lse - 2.0}, ag::kFloat64), 1e-12, 1e-12));
}

TEST(LossOptions, NLLWeightsAndReduction) {
  auto lp = ag::tensor({{-0.1, -2.0}, {-1.5, -0.3}, {-0.7, -0.9}}, ag::kFloat64);
  auto y = ag::tensor({1, 0, 1});
  auto w = ag::tensor({2.0, 0.5}, ag::kFloat64);
  // mean: Σ −w[y]·lp / Σ w[y] = (0.5·2 + 2·1.5 + 0.5·0.9) / (0.5 + 2 + 0.5)
  nn::NLLLoss mean_loss(nn::NLLLossOptions().weight(w));
  EXPECT_NEAR(mean_loss(lp, y).item(), (1.0 + 3.0 + 0.45) / 3.0, 1e-12);
  EXPECT_NEAR(F::nll_loss(lp, y, nn::NLLLossOptions().weight(w).reduction(ag::kSum)).item(), 4.45, 1e-12);
  EXPECT_NEAR(F::nll_loss(lp, y, nn::NLLLossOptions().ignore_index(1)).item(), 1.5, 1e-12);
}

TEST(LossOptions, ElementwiseLossesTakeAReduction) {
  auto x = ag::tensor({1.0, -2.0, 0.5}, ag::kFloat64);
  auto t = ag::tensor({0.0, 1.0, 0.5}, ag::kFloat64);
  EXPECT_NEAR(nn::MSELoss(ag::kSum)(x, t).item(), 1.0 + 9.0 + 0.0, 1e-12);
  EXPECT_NEAR(nn::MSELoss()(x, t).item(), 10.0 / 3, 1e-12);
  EXPECT_NEAR(nn::MSELoss(nn::MSELossOptions().reduction(ag::kSum))(x, t).item(), 10.0, 1e-12);
  EXPECT_TRUE(F::mse_loss(x, t, ag::kNone).equal(ag::tensor({1.0, 9.0, 0.0}, ag::kFloat64)));
  EXPECT_NEAR(F::mse_loss(x, t, F::MSELossFuncOptions(ag::kSum)).item(), 10.0, 1e-12);
  EXPECT_NEAR(nn::L1Loss(nn::L1LossOptions().reduction(ag::kSum))(x, t).item(), 4.0, 1e-12);
  EXPECT_NEAR(F::l1_loss(x, t).item(), 4.0 / 3, 1e-12);
  EXPECT_EQ(nn::L1Loss(ag::kNone)->options.reduction(), ag::kNone);
  // The spelling nn::Reduction::Sum is the same value.
  EXPECT_NEAR(F::mse_loss(x, t, nn::Reduction::Sum).item(), 10.0, 1e-12);
}

TEST(LossOptions, BinaryLosses) {
  auto p = ag::tensor({0.9, 0.2}, ag::kFloat64);
  auto y = ag::tensor({1.0, 0.0}, ag::kFloat64);
  auto w = ag::tensor({1.0, 3.0}, ag::kFloat64);
  double l0 = -std::log(0.9), l1 = -std::log(0.8);
  EXPECT_NEAR(nn::BCELoss(nn::BCELossOptions().weight(w).reduction(ag::kSum))(p, y).item(), l0 + 3 * l1, 1e-12);
  EXPECT_TRUE(F::binary_cross_entropy(p, y, nn::BCELossOptions().reduction(ag::kNone))
                  .allclose(ag::tensor({l0, l1}, ag::kFloat64), 1e-12, 1e-12));
  auto z = ag::tensor({0.3, -1.2}, ag::kFloat64);
  auto pw = ag::tensor({2.0, 2.0}, ag::kFloat64);
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  // pos_weight multiplies the positive term: −(pw·y·log σ(z) + (1−y)·log(1−σ(z)))
  double want = (-2 * std::log(sig(0.3)) - std::log(1 - sig(-1.2))) / 2;
  nn::BCEWithLogitsLoss with_pw(nn::BCEWithLogitsLossOptions().pos_weight(pw));
  EXPECT_NEAR(with_pw(z, y).item(), want, 1e-12);
  EXPECT_EQ(with_pw->named_buffers().keys(), (std::vector<std::string>{"pos_weight"}));
}
