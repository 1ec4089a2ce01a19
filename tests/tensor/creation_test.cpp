#include <gtest/gtest.h>

#include "ag/ag.h"

TEST(Creation, NestedListInfersShapeAndDtype) {
  auto t = ag::tensor({{1., 2.}, {3., 4.}});
  EXPECT_EQ(t.sizes(), (ag::Dims{2, 2}));
  EXPECT_EQ(t.dtype(), ag::kFloat32);
  EXPECT_EQ(t.index({1, 0}).item<float>(), 3.f);
  EXPECT_EQ(ag::tensor({1, 2, 3}).dtype(), ag::kInt64);
}

TEST(Creation, Factories) {
  EXPECT_TRUE(ag::zeros({2, 2}).equal(ag::tensor({{0., 0.}, {0., 0.}})));
  EXPECT_TRUE(ag::full({3}, 7.0, ag::kInt64).equal(ag::tensor({7, 7, 7})));
  EXPECT_TRUE(ag::arange(1, 7, 2).equal(ag::tensor({1, 3, 5})));
  EXPECT_EQ(ag::arange(0, 1, 0.25).dtype(), ag::kFloat32);
  EXPECT_TRUE(ag::linspace(0, 1, 5).equal(ag::tensor({0., 0.25, 0.5, 0.75, 1.})));
  EXPECT_TRUE(ag::eye(2, 3).equal(ag::tensor({{1., 0., 0.}, {0., 1., 0.}})));
  EXPECT_TRUE(ag::from_vector(std::vector<double>{1, 2, 3, 4}, {2, 2}).equal(ag::tensor({{1., 2.}, {3., 4.}}, ag::kFloat64)));
  EXPECT_THROW(ag::from_vector(std::vector<float>{1, 2, 3}, {2, 2}), std::invalid_argument);
  EXPECT_THROW(ag::tensor({{1., 2.}, {3.}}), std::invalid_argument);
  EXPECT_THROW(ag::empty({2, -1}), std::invalid_argument);
  EXPECT_TRUE(ag::ones({2}, ag::requires_grad()).requires_grad());
}

TEST(Creation, ScalarTensorsAndItem) {
  auto t = ag::tensor({{1., 2.}, {3., 4.}});
  auto one = t[1][0];  // "sections return a smaller tensor even if it's only one number"
  EXPECT_EQ(one.dim(), 0);
  EXPECT_EQ(one.item(), 3.0);
  EXPECT_EQ(one.item<int>(), 3);
  try {
    t[0].item();
    FAIL() << "item() on 2 elements must throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("2 elements"), std::string::npos);
  }
}

TEST(Dtype, PromotionAndConversion) {
  auto i = ag::tensor({1, 2}), f = ag::tensor({0.5, 0.5}), d = ag::tensor({1., 1.}, ag::kFloat64);
  EXPECT_EQ((i + f).dtype(), ag::kFloat32);
  EXPECT_EQ((f + d).dtype(), ag::kFloat64);
  EXPECT_EQ((i * 2.0).dtype(), ag::kInt64);
  EXPECT_EQ((i * 2.5).dtype(), ag::kFloat32);
  EXPECT_EQ((i / 2.0).dtype(), ag::kFloat32);
  EXPECT_EQ((i < 2).dtype(), ag::kBool);
  EXPECT_TRUE(ag::tensor({1.7, -1.7}).to(ag::kInt64).equal(ag::tensor({1, -1})));
  EXPECT_TRUE((f > 0.1).equal(ag::tensor({true, true})));
}
