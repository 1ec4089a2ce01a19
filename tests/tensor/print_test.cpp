// Printing matches PyTorch's repr for the cases users see most.
#include <gtest/gtest.h>

#include <sstream>

#include "ag/ag.h"

namespace {
std::string str(const ag::Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}
}  // namespace

TEST(Print, FloatsIntegersAndWidths) {
  EXPECT_EQ(str(ag::tensor({12.})), "tensor([12.])");
  EXPECT_EQ(str(ag::tensor({{1., 2.}, {3., 4.}})), "tensor([[1., 2.],\n        [3., 4.]])");
  EXPECT_EQ(str(ag::tensor(3.5)), "tensor(3.5000)");
  EXPECT_EQ(str(ag::tensor({1.5, -22.25})), "tensor([  1.5000, -22.2500])");
  EXPECT_EQ(str(ag::tensor({1e-5, 1., 1000.})), "tensor([1.0000e-05, 1.0000e+00, 1.0000e+03])");
  EXPECT_EQ(str(ag::tensor({0, 1, 20})), "tensor([ 0,  1, 20])");
  EXPECT_EQ(str(ag::tensor({true, false})), "tensor([ True, False])");
  EXPECT_EQ(str(ag::tensor({1., 2.}, ag::kFloat64)), "tensor([1., 2.], dtype=torch.float64)");
}

TEST(Print, AutogradSuffixes) {
  auto x = ag::tensor({2.}, ag::requires_grad());
  EXPECT_EQ(str(x), "tensor([2.], requires_grad=True)");
  EXPECT_EQ(str(x * x), "tensor([4.], grad_fn=<MulBackward0>)");
}

TEST(Print, EmptyAndThreeD) {
  EXPECT_EQ(str(ag::zeros({0})), "tensor([])");
  EXPECT_EQ(str(ag::zeros({0, 3})), "tensor([], size=(0, 3))");
  EXPECT_EQ(str(ag::ones({2, 1, 2})), "tensor([[[1., 1.]],\n\n        [[1., 1.]]])");
}

TEST(Print, SummarisesLargeTensors) {
  auto t = ag::arange(0, 2000, 1, ag::kFloat32);
  EXPECT_EQ(str(t),
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])");
}
