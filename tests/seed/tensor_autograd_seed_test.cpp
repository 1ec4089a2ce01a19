// The seed notes' "Tensor" and "Auto Grad" sections, line by line.
#include <gtest/gtest.h>

#include "ag/ag.h"

TEST(SeedTensor, SectionReturnsSmallerTensorAndItemExtracts) {
  auto t = ag::tensor({{1., 2., 3.}, {4., 5., 6.}});
  auto section = t.index({1, 2});
  EXPECT_EQ(section.dim(), 0);  // "returns a smaller tensor even it's only one number"
  EXPECT_EQ(section.item(), 6.0);
  EXPECT_THROW(t[0].item(), std::invalid_argument);
}

TEST(SeedAutograd, GradientOfThreeXSquaredIsTwelve) {
  auto x = ag::tensor({2.}, ag::requires_grad());
  auto y = x * x * 3;
  y.backward();
  EXPECT_EQ(x.grad().item(), 12.0);
}

TEST(SeedAutograd, GradientsAccumulateToTwentyFour) {
  auto x = ag::tensor({2.}, ag::requires_grad());
  auto y = x * x * 3;
  y.backward();
  x.mutable_grad().reset();  // x.grad = None
  auto z = x * x * 3;
  z.backward();  // passes 12 to x
  y = x * x * 3;  // y computed again: its first graph was freed by the first backward
  y.backward();  // passes 12 to x
  EXPECT_EQ(x.grad().item(), 24.0);
}

TEST(SeedAutograd, SecondBackwardThroughFreedGraphRaises) {
  auto x = ag::tensor({2.}, ag::requires_grad());
  auto y = x * x * 3;
  y.backward();
  try {
    y.backward();
    FAIL() << "expected PyTorch's second-backward error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("backward through the graph a second time"), std::string::npos);
  }
  auto w = ag::tensor({2.}, ag::requires_grad());
  auto v = w * w * 3;
  v.backward(ag::Tensor(), /*retain_graph=*/true);
  v.backward();
  EXPECT_EQ(w.grad().item(), 24.0);
}
