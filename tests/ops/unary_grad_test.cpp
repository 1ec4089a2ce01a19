// Gradient checks for unary ops, on contiguous and strided inputs.
#include "ops/gradcheck_util.h"

using ag::Tensor;
using ag::TensorList;
using agtest::leaf;

TEST(UnaryGrad, Smooth) {
  auto a = leaf({3, 4}, 21, -2, 2), p = leaf({3, 4}, 22, 0.2, 3);
  EXPECT_GRADCHECK([](const TensorList& x) { return -x[0]; }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].exp(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].log(); }, {p});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].sqrt(); }, {p});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].tanh(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].sigmoid(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].pow(3.0); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].pow(2.0); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].pow(-1.5); }, {p});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].pow(0.0); }, {a});
}

TEST(UnaryGrad, Piecewise) {
  // Values kept away from the kinks, where finite differences are undefined.
  auto a = ag::tensor({{-1.5, -0.7, 0.3}, {0.9, 1.7, -0.2}}, ag::kFloat64).requires_grad_();
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].abs(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].relu(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].clamp(-1.0, 1.0); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].clamp(std::nullopt, 0.5); }, {a});
}

TEST(UnaryGrad, Strided) {
  auto a = leaf({4, 6}, 23, 0.3, 2);
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].t().exp(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].index({ag::Slice(), ag::Slice(1, 6, 2)}).log(); }, {a});
}

TEST(UnaryGrad, ReluGradientAtZeroIsZero) {
  auto x = ag::tensor({0.0, 1.0, -1.0}, ag::requires_grad());
  x.relu().sum().backward();
  EXPECT_EQ(x.grad().index({0}).item(), 0.0);
  EXPECT_EQ(x.grad().index({1}).item(), 1.0);
}
