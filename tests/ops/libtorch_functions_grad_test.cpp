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
