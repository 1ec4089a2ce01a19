// Gradient checks for reductions, over all dims, some dims, with keepdim.
#include "ops/gradcheck_util.h"

using ag::Tensor;
using ag::TensorList;
using agtest::leaf;

TEST(ReduceGrad, SumMean) {
  auto a = leaf({2, 3, 4}, 31);
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].sum(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].sum({1}); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].sum({0, 2}, true); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].mean(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].mean({-1}); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].transpose(0, 2).mean({0}, true); }, {a});
}

TEST(ReduceGrad, MaxMinVarStd) {
  auto a = leaf({3, 5}, 32);
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].max(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return std::get<0>(x[0].max(1)); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return std::get<0>(x[0].min(0, true)); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].var(); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].var({1}, false); }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].std({0}, true, true); }, {a});
}

TEST(ReduceValues, MatchDefinitions) {
  auto a = ag::tensor({{1., 5., 3.}, {4., 2., 6.}});
  EXPECT_TRUE(a.sum({0}).equal(ag::tensor({5., 7., 9.})));
  EXPECT_TRUE(a.sum({1}, true).equal(ag::tensor({{9.}, {12.}})));
  EXPECT_TRUE(std::get<0>(a.max(1)).equal(ag::tensor({5., 6.})));
  EXPECT_TRUE(a.argmax(1).equal(ag::tensor({1, 2})));
  EXPECT_EQ(a.argmax().item<int64_t>(), 5);
  EXPECT_NEAR(a.var().item(), 3.5, 1e-6);
  EXPECT_NEAR(a.std({1}).index({0}).item(), 2.0, 1e-6);
  EXPECT_TRUE(ag::tensor({true, false, true}).sum().equal(ag::tensor(2)));
}

TEST(ReduceErrors, NameTheProblem) {
  auto a = ag::ones({2, 3});
  EXPECT_THROW(a.sum({2}), std::out_of_range);
  EXPECT_THROW(ag::ones({0}).max(), std::invalid_argument);
  EXPECT_THROW(ag::arange(4).mean(), std::invalid_argument);
}
