// Element-wise losses: MSE, L1, BCE, BCEWithLogits — values from their
// formulas, PyTorch's gradients, reductions, gradchecks and shape errors.
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"
#include "ag/nn/nn.h"
#include "ops/gradcheck_util.h"

namespace nn = ag::nn;
namespace F = ag::nn::functional;
using agtest::leaf;
using nn::Reduction;

namespace {
const Reduction kAll[] = {Reduction::None, Reduction::Mean, Reduction::Sum};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(MSELoss, ValueAndPyTorchGradient) {
  ag::manual_seed(1);
  auto x = ag::randn({4, 3}, ag::requires_grad());
  auto y = ag::randn({4, 3});
  auto loss = nn::MSELoss()(x, y);
  auto d = x.detach() - y;
  EXPECT_NEAR(loss.item(), (d * d).mean().item(), 1e-6);
  EXPECT_NEAR(nn::MSELoss(Reduction::Sum)(x, y).item(), (d * d).sum().item(), 1e-5);
  EXPECT_TRUE(nn::MSELoss(Reduction::None)(x, y).allclose(d * d));
  loss.backward(ag::scalar_tensor(3.0));
  // dx = 2(x − y)/numel · g
  EXPECT_TRUE(x.grad().allclose(d * (2.0 / 12) * 3.0, 1e-6, 1e-7));
}

TEST(MSELoss, GradcheckEveryReductionAndTarget) {
  for (Reduction r : kAll) {
    EXPECT_GRADCHECK([r](const ag::TensorList& in) { return F::mse_loss(in[0], in[1], r); },
                     {leaf({3, 4}, 1), leaf({3, 4}, 2)});
    EXPECT_GRADCHECK([r](const ag::TensorList& in) { return F::l1_loss(in[0], in[1], r); },
                     {leaf({3, 4}, 3), leaf({3, 4}, 4)});
  }
  // Strided operands.
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return F::mse_loss(in[0].t(), in[1]); },
                   {leaf({4, 3}, 5), leaf({3, 4}, 6)});
}

TEST(MSELoss, TargetShapeMustMatch) {
  std::string m = error_of([] { F::mse_loss(ag::ones({4, 1}), ag::ones({4})); });
  EXPECT_NE(m.find("[4, 1]"), std::string::npos) << m;
  EXPECT_NE(m.find("[4]"), std::string::npos) << m;
  EXPECT_THROW(F::l1_loss(ag::ones({2}), ag::ones({3})), std::invalid_argument);
  EXPECT_THROW(F::mse_loss(ag::ones({2}), ag::tensor({1, 2})), std::invalid_argument);  // int64 target
}

TEST(L1Loss, ValueAndSignGradient) {
  auto x = ag::tensor({1., -2., 3., 0.5}, ag::requires_grad());
  auto y = ag::tensor({0., 0., 3., 1.});
  auto loss = nn::L1Loss()(x, y);
  EXPECT_NEAR(loss.item(), (1 + 2 + 0 + 0.5) / 4.0, 1e-7);
  loss.backward();
  EXPECT_TRUE(x.grad().allclose(ag::tensor({0.25, -0.25, 0., -0.25})));  // sign(0) = 0
}

TEST(BCELoss, ValueClampAndRange) {
  auto x = ag::tensor({0.9, 0.2, 0.0, 1.0});
  auto y = ag::tensor({1., 0., 1., 1.});
  auto l = F::binary_cross_entropy(x, y, nn::BCELossOptions().reduction(Reduction::None));
  const float* p = l.data_ptr<float>();
  EXPECT_NEAR(p[0], -std::log(0.9), 1e-6);
  EXPECT_NEAR(p[1], -std::log(0.8), 1e-6);
  EXPECT_NEAR(p[2], 100.0, 1e-4);  // log(0) clamped at −100
  EXPECT_NEAR(p[3], 0.0, 1e-7);
  auto w = ag::tensor({1., 2., 0., 1.});
  EXPECT_NEAR(nn::BCELoss(nn::BCELossOptions().weight(w))(x, y).item(), (-std::log(0.9) - 2 * std::log(0.8)) / 4, 1e-6);
  std::string m = error_of([] { F::binary_cross_entropy(ag::tensor({0.5, 1.5}), ag::tensor({1., 0.})); });
  EXPECT_NE(m.find("between 0 and 1"), std::string::npos) << m;
  EXPECT_THROW(F::binary_cross_entropy(ag::tensor({0.5, 0.5}), ag::tensor({1.})), std::invalid_argument);
}

TEST(BCELoss, Gradcheck) {
  auto x = leaf({3, 4}, 1, 0.05, 0.95);
  auto y = leaf({3, 4}, 2, 0, 1);
  auto w = agtest::leaf({4}, 3, 0.5, 2).detach();
  for (Reduction r : kAll)
    EXPECT_GRADCHECK([&, r](const ag::TensorList& in) {
      return F::binary_cross_entropy(in[0], in[1], nn::BCELossOptions().weight(w).reduction(r));
    }, {x, y});
}

TEST(BCEWithLogitsLoss, MatchesBceOfSigmoidAndIsStable) {
  ag::manual_seed(3);
  auto x = ag::randn({5, 3}, ag::kFloat64);
  auto y = ag::rand({5, 3}, ag::kFloat64);
  EXPECT_TRUE(F::binary_cross_entropy_with_logits(x, y).allclose(F::binary_cross_entropy(x.sigmoid(), y), 1e-12, 1e-12));
  auto extreme = F::binary_cross_entropy_with_logits(ag::tensor({-100., 100., -100.}), ag::tensor({1., 1., 0.}),
                                                     nn::BCEWithLogitsLossOptions().reduction(Reduction::None));
  EXPECT_TRUE(extreme.allclose(ag::tensor({100., 0., 0.}), 1e-6, 1e-6)) << extreme;
  // pos_weight p: −[p·y·log σ(x) + (1−y)·log(1−σ(x))]
  auto pw = ag::tensor({1., 2., 3.}, ag::kFloat64);
  auto s = x.sigmoid();
  auto expected = -(pw * y * s.log() + (1.0 - y) * (1.0 - s).log());
  EXPECT_TRUE(nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().reduction(Reduction::None).pos_weight(pw))(x, y).allclose(expected, 1e-10, 1e-12));
  EXPECT_EQ(nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().pos_weight(pw))->state_dict().keys(), (std::vector<std::string>{"pos_weight"}));
}

TEST(BCEWithLogitsLoss, Gradcheck) {
  auto x = leaf({3, 4}, 1, -4, 4);
  auto y = leaf({3, 4}, 2, 0, 1);
  auto pw = leaf({4}, 3, 0.5, 3).detach();
  auto w = leaf({3, 1}, 4, 0.5, 2).detach();
  for (Reduction r : kAll) {
    EXPECT_GRADCHECK([r](const ag::TensorList& in) {
      return F::binary_cross_entropy_with_logits(in[0], in[1], nn::BCEWithLogitsLossOptions().reduction(r));
    }, {x, y});
    EXPECT_GRADCHECK([&, r](const ag::TensorList& in) {
      return F::binary_cross_entropy_with_logits(in[0], in[1], nn::BCEWithLogitsLossOptions().weight(w).reduction(r).pos_weight(pw));
    }, {x, y});
  }
  EXPECT_GRADCHECK([&](const ag::TensorList& in) {
    return F::binary_cross_entropy_with_logits(in[0].t(), in[1], nn::BCEWithLogitsLossOptions().pos_weight(pw));
  }, {leaf({4, 3}, 5), leaf({3, 4}, 6, 0, 1)});
  auto pw_grad = leaf({4}, 7);
  EXPECT_THROW(F::binary_cross_entropy_with_logits(x, y, nn::BCEWithLogitsLossOptions().pos_weight(pw_grad)), std::invalid_argument);
}
