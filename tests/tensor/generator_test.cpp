// The global generator reproduces PyTorch's CPU streams for the same seed.
#include <gtest/gtest.h>

#include <random>

#include "ag/ag.h"

TEST(Generator, SameStreamAsStdMt19937) {
  ag::Generator g(1234);
  std::mt19937 ref(1234);
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(g.random(), ref());
}

TEST(Generator, MatchesTorchForSeedZero) {
  ag::manual_seed(0);
  auto r = ag::rand({3});
  EXPECT_TRUE(r.allclose(ag::tensor({0.4963, 0.7682, 0.0885}), 0, 5e-5)) << r;
  ag::manual_seed(0);
  auto n = ag::randn({2, 5});
  auto expect = ag::tensor({{1.5410, -0.2934, -2.1788, 0.5684, -1.0845}, {-1.3986, 0.4033, 0.8380, -0.7193, -0.4033}});
  EXPECT_TRUE(n.allclose(expect, 0, 5e-5)) << n;
  ag::manual_seed(0);
  EXPECT_TRUE(ag::randperm(10).equal(ag::tensor({4, 1, 7, 5, 3, 9, 0, 8, 6, 2})));
}

TEST(Generator, StateRoundTripReplaysDraws) {
  ag::Generator g(7);
  g.random();
  g.normal_double();  // leaves a cached second normal in the state
  auto s = g.get_state();
  std::vector<double> a, b;
  for (int i = 0; i < 5; ++i) a.push_back(g.normal_double());
  g.set_state(s);
  for (int i = 0; i < 5; ++i) b.push_back(g.normal_double());
  EXPECT_EQ(a, b);
}

TEST(Generator, DistributionsHaveTheRightShapeAndRange) {
  ag::manual_seed(5);
  auto u = ag::rand({10000});
  EXPECT_GE(u.min().item(), 0.0);
  EXPECT_LT(u.max().item(), 1.0);
  EXPECT_NEAR(u.mean().item(), 0.5, 0.02);
  auto n = ag::randn({10000}, ag::kFloat64);
  EXPECT_NEAR(n.mean().item(), 0.0, 0.05);
  EXPECT_NEAR(n.std().item(), 1.0, 0.05);
  auto k = ag::randint(3, 7, {1000});
  EXPECT_EQ(k.dtype(), ag::kInt64);
  EXPECT_EQ(k.min().item<int64_t>(), 3);
  EXPECT_EQ(k.max().item<int64_t>(), 6);
  EXPECT_THROW(ag::randint(3, 3, {2}), std::invalid_argument);
  auto p = ag::randperm(100);
  auto sorted = std::vector<int64_t>(p.data_ptr<int64_t>(), p.data_ptr<int64_t>() + 100);
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
}
