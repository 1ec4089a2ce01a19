// autograd::grad: gradients returned, not accumulated, for leaves and non-leaves.
#include <gtest/gtest.h>

#include "ag/ag.h"

using ag::Tensor;

TEST(AutogradGrad, ReturnsGradientsWithoutTouchingDotGrad) {
  Tensor x = ag::tensor({1., 2., 3.}).requires_grad_(true);
  Tensor w = ag::tensor({2., 2., 2.}).requires_grad_(true);
  Tensor y = (x * x * w).sum();
  auto g = ag::autograd::grad({y}, {x, w});
  ASSERT_EQ(g.size(), 2u);
  EXPECT_TRUE(g[0].allclose(ag::tensor({4., 8., 12.})));  // 2·x·w
  EXPECT_TRUE(g[1].allclose(ag::tensor({1., 4., 9.})));   // x²
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
}

TEST(AutogradGrad, NonLeafInputAndGradOutputs) {
  Tensor x = ag::tensor({1., -2.}).requires_grad_(true);
  Tensor h = x * 3;
  Tensor y = h * h;
  auto g = ag::autograd::grad({y}, {h}, {ag::tensor({1., 10.})});
  EXPECT_TRUE(g[0].allclose(ag::tensor({6., -120.})));  // 2·h·v, h = 3x
  EXPECT_FALSE(x.grad().defined());
}

TEST(AutogradGrad, RetainGraphAllowsASecondPass) {
  Tensor x = ag::tensor({2.}).requires_grad_(true);
  Tensor y = (x * x).sum();
  auto g1 = ag::autograd::grad({y}, {x}, {}, /*retain_graph=*/true);
  auto g2 = ag::autograd::grad({y}, {x});
  EXPECT_TRUE(g1[0].equal(g2[0]));
  EXPECT_THROW(ag::autograd::grad({y}, {x}), std::exception);  // the graph was freed
}

TEST(AutogradGrad, UnusedAndNonDifferentiableInputs) {
  Tensor x = ag::tensor({1.}).requires_grad_(true);
  Tensor z = ag::tensor({1.}).requires_grad_(true);
  Tensor y = (x * 2).sum();
  EXPECT_THROW(ag::autograd::grad({y}, {z}, {}, true), std::invalid_argument);
  auto g = ag::autograd::grad({y}, {x, z}, {}, true, false, /*allow_unused=*/true);
  EXPECT_TRUE(g[0].equal(ag::tensor({2.})));
  EXPECT_FALSE(g[1].defined());
  EXPECT_THROW(ag::autograd::grad({y}, {ag::tensor({1.})}, {}, true), std::invalid_argument);
  EXPECT_THROW(ag::autograd::grad({y}, {x}, {}, true, /*create_graph=*/true), std::invalid_argument);
}

TEST(AutogradGrad, MatchesBackward) {
  ag::manual_seed(0);
  ag::nn::Linear fc(4, 3);
  Tensor in = ag::randn({5, 4});
  Tensor loss = fc(in).tanh().pow(2.0).mean();
  auto g = ag::autograd::grad({loss}, {fc->weight, fc->bias}, {}, true);
  loss.backward();
  EXPECT_TRUE(g[0].allclose(fc->weight.grad()));
  EXPECT_TRUE(g[1].allclose(fc->bias.grad()));
}
