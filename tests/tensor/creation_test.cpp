#include <gtest/gtest.h>

#include "ag/ag.h"

TEST(Creation, NestedListInfersShapeAndDtype) {
  auto t = ag::tensor({{1., 2.}, {3., 4.}});
  EXPECT_EQ(t.sizes(), (ag::Dims{2, 2}));
  EXPECT_EQ(t.dtype(), ag::kFloat32);
  EXPECT_EQ(t.index({1, 0}).item<float>(), 3.f);
  EXPECT_EQ(ag::tensor({1, 2, 3}).dtype(), ag::kInt64);
}
