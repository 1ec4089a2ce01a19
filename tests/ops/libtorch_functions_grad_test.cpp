// Gradient checks and values for the torch:: free functions that are new ops or
// new compositions: smooth_l1_loss, masked_fill, norm.
#include "ops/gradcheck_util.h"

using ag::Tensor;
using ag::TensorList;
using agtest::leaf;

TEST(SmoothL1Loss, ValuesByHand) {
  Tensor x = ag::tensor({0., 0.5, 3., -2.});
  Tensor y = ag::tensor({0., 0., 1., 0.});
  // d = 0, 0.5, 2, -2 → 0, 0.125, 1.5, 1.5
  EXPECT_TRUE(ag::smooth_l1_loss(x, y, ag::Reduction::None).allclose(ag::tensor({0., 0.125, 1.5, 1.5})));
  EXPECT_NEAR(ag::smooth_l1_loss(x, y).item(), 3.125 / 4, 1e-7);
  EXPECT_NEAR(ag::smooth_l1_loss(x, y, ag::Reduction::Sum).item(), 3.125, 1e-6);
  // beta = 4: every |d| < 4 → d²/8
  EXPECT_NEAR(ag::smooth_l1_loss(x, y, ag::Reduction::Sum, 4).item(), (0.25 + 4 + 4) / 8, 1e-6);
  EXPECT_NEAR(ag::smooth_l1_loss(x, y, ag::Reduction::Sum, 0).item(), 4.5, 1e-6);
  EXPECT_THROW(ag::smooth_l1_loss(x, ag::zeros({3})), std::invalid_argument);
  EXPECT_THROW(ag::smooth_l1_loss(x, y, ag::Reduction::Mean, -1), std::invalid_argument);
}

TEST(SmoothL1Loss, Gradcheck) {
  auto a = leaf({3, 4}, 41, -3, 3);
  auto b = leaf({3, 4}, 42, -3, 3);
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::smooth_l1_loss(x[0], x[1]); }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::smooth_l1_loss(x[0], x[1], ag::Reduction::None, 0.5); }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::smooth_l1_loss(x[0], x[1], ag::Reduction::Sum, 2); }, {a, b});
}

TEST(MaskedFillAndNorm, Gradcheck) {
  auto a = leaf({3, 4}, 43);
  Tensor mask = ag::rand({3, 4}) > 0.5;
  EXPECT_GRADCHECK([mask](const TensorList& x) { return x[0].masked_fill(mask, -2); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].norm(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].norm(3); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].softmax(0); }, {a});
}

TEST(LibtorchLosses, PositionalFormsMatchTheFunctionalOnes) {
  namespace F = ag::nn::functional;
  ag::manual_seed(2);
  Tensor logits = ag::randn({4, 3});
  Tensor y = ag::tensor({0, 2, 1, 2});
  Tensor w = ag::tensor({1., 2., 0.5});
  Tensor logp = logits.log_softmax(1);
  EXPECT_TRUE(ag::nll_loss(logp, y).allclose(F::nll_loss(logp, y)));
  // Σ −logp[n, yₙ] by hand.
  double sum = 0;
  for (int n = 0; n < 4; ++n) sum -= logp.index({n, y.index({n}).item<int64_t>()}).item();
  EXPECT_NEAR(ag::nll_loss(logp, y, /*weight=*/{}, ag::Reduction::Sum).item(), sum, 1e-5);
  EXPECT_TRUE(ag::nll_loss(logp, y, w, ag::kMean, 2).allclose(
      F::nll_loss(logp, y, ag::nn::NLLLossOptions().weight(w).ignore_index(2))));
  EXPECT_TRUE(ag::cross_entropy_loss(logits, y, w).allclose(F::cross_entropy(logits, y, ag::nn::CrossEntropyLossOptions().weight(w))));
  Tensor p = logits.sigmoid(), t = ag::rand({4, 3});
  EXPECT_TRUE(ag::binary_cross_entropy(p, t).allclose(F::binary_cross_entropy(p, t)));
  EXPECT_TRUE(ag::binary_cross_entropy_with_logits(logits, t, {}, {}, ag::kSum)
                  .allclose(F::binary_cross_entropy_with_logits(logits, t, ag::nn::BCEWithLogitsLossOptions().reduction(ag::kSum))));
}

TEST(LibtorchChecks, ThrowWithTheConditionAndTheMessage) {
  EXPECT_NO_THROW(TORCH_CHECK(1 + 1 == 2, "never"));
  try {
    const int64_t n = 3;
    TORCH_CHECK(n == 4, "expected 4 items, got ", n);
    FAIL() << "no throw";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "Expected n == 4 to be true, but got false. expected 4 items, got 3");
  }
  EXPECT_THROW(AT_ASSERT(false), std::runtime_error);
  EXPECT_EQ(ag::str("a", 1, '-', 2.5), "a1-2.5");
}
