// Gradient checks for views, copies, cat and stack.
#include "ops/gradcheck_util.h"

using ag::Slice;
using ag::Tensor;
using ag::TensorList;
using agtest::leaf;

TEST(ShapeGrad, Views) {
  auto a = leaf({2, 3, 4}, 51);
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].view({6, 4}) * 2.0; }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].reshape({4, -1}); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].transpose(0, 2).reshape({-1}); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].permute({2, 0, 1}); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].unsqueeze(1).squeeze(1); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].flatten(1); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].index({0}).t(); }, {a});
}

TEST(ShapeGrad, ExpandAndSlicing) {
  auto v = leaf({3, 1}, 52), a = leaf({5, 6}, 53);
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].expand({2, 3, 4}); }, {v});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].narrow(1, 2, 3); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].select(0, -1); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].slice(1, 1, std::nullopt, 2); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].index({Slice(1, 4), 2}); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].index({ag::None, Slice(std::nullopt, std::nullopt, 3)}); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0][2]; }, {a});
}

TEST(ShapeGrad, CopiesAndJoins) {
  auto a = leaf({2, 3}, 54), b = leaf({2, 3}, 55), c = leaf({4, 3}, 56);
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].t().contiguous(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].clone() * x[0]; }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::cat({x[0], x[1], x[2]}, 0); }, {a, b, c});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::cat({x[0], x[1]}, 1); }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::stack({x[0], x[1]}, 1); }, {a, b});
  // A float32 round trip: finite differences need a step float32 can resolve.
  ag::GradcheckOptions coarse{1e-2, 1e-4, 1e-3};
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].to(ag::kFloat32).to(ag::kFloat64); }, {a}, coarse);
}

TEST(Join, ValuesAndErrors) {
  auto a = ag::tensor({{1, 2}}), b = ag::tensor({{3, 4}, {5, 6}});
  EXPECT_TRUE(ag::cat({a, b}).equal(ag::tensor({{1, 2}, {3, 4}, {5, 6}})));
  EXPECT_TRUE(ag::stack({ag::tensor({1, 2}), ag::tensor({3, 4})}, 1).equal(ag::tensor({{1, 3}, {2, 4}})));
  EXPECT_THROW(ag::cat({a, ag::ones({1, 3}, ag::kInt64)}, 0), std::invalid_argument);
  EXPECT_THROW(ag::stack({ag::ones({2}), ag::ones({3})}), std::invalid_argument);
  EXPECT_THROW(ag::cat({}), std::invalid_argument);
}
