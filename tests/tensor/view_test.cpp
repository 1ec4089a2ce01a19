// Views share storage; reshape copies only when it must; indexing errors name the problem.
#include <gtest/gtest.h>

#include "ag/ag.h"

using ag::Slice;

TEST(Views, ShareStorageAndSeeWrites) {
  auto a = ag::arange(12).reshape({3, 4});
  auto v = a.view({4, 3});
  auto t = a.t();
  auto row = a[1];
  auto col = a.index({Slice(), 2});
  EXPECT_EQ(v.data_ptr(), a.data_ptr());
  EXPECT_FALSE(t.is_contiguous());
  row.fill_(-1);
  EXPECT_EQ(a.index({1, 3}).item<int64_t>(), -1);
  EXPECT_EQ(t.index({3, 1}).item<int64_t>(), -1);
  EXPECT_EQ(col.sizes(), (ag::Dims{3}));
  EXPECT_EQ(col.stride(0), 4);
  EXPECT_GT(a._version(), 0u);
  EXPECT_EQ(v._version(), a._version());
}

TEST(Views, ReshapeOfNonContiguousCopies) {
  auto a = ag::arange(6).reshape({2, 3});
  EXPECT_THROW(a.t().view({6}), std::invalid_argument);
  auto r = a.t().reshape({6});
  EXPECT_TRUE(r.equal(ag::tensor({0, 3, 1, 4, 2, 5})));
  EXPECT_NE(r.data_ptr(), a.data_ptr());
  EXPECT_EQ(a.view({3, -1}).sizes(), (ag::Dims{3, 2}));
  EXPECT_THROW(a.view({4, -1}), std::invalid_argument);
}

TEST(Views, ExpandSqueezeUnsqueezePermute) {
  auto a = ag::tensor({{1.}, {2.}});
  auto e = a.expand({2, 3});
  EXPECT_EQ(e.stride(1), 0);
  EXPECT_TRUE(e.equal(ag::tensor({{1., 1., 1.}, {2., 2., 2.}})));
  EXPECT_THROW(a.expand({3, 3}), std::invalid_argument);
  EXPECT_EQ(a.squeeze().sizes(), (ag::Dims{2}));
  EXPECT_EQ(a.unsqueeze(0).sizes(), (ag::Dims{1, 2, 1}));
  auto p = ag::zeros({2, 3, 4}).permute({2, 0, 1});
  EXPECT_EQ(p.sizes(), (ag::Dims{4, 2, 3}));
  EXPECT_THROW(ag::zeros({2, 3}).permute({0, 0}), std::invalid_argument);
}

TEST(Views, SlicingWithSteps) {
  auto a = ag::arange(10);
  EXPECT_TRUE(a.index({Slice(1, 8, 3)}).equal(ag::tensor({1, 4, 7})));
  EXPECT_TRUE(a.index({Slice(-3)}).equal(ag::tensor({7, 8, 9})));
  EXPECT_TRUE(a.narrow(0, 2, 2).equal(ag::tensor({2, 3})));
  auto m = ag::arange(12).reshape({3, 4});
  EXPECT_TRUE(m.index({Slice(0, 3, 2), Slice(1, 3)}).equal(ag::tensor({{1, 2}, {9, 10}})));
  EXPECT_EQ(m.index({ag::None, 1}).sizes(), (ag::Dims{1, 4}));
}

TEST(Views, OutOfRangeErrorsNameShapes) {
  auto a = ag::zeros({3, 4});
  try {
    a[5];
    FAIL();
  } catch (const std::out_of_range& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("index 5"), std::string::npos) << m;
    EXPECT_NE(m.find("[3, 4]"), std::string::npos) << m;
  }
  try {
    a.index({Slice(), Slice(7, 9)});
    FAIL();
  } catch (const std::out_of_range& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("slice start 7"), std::string::npos) << m;
    EXPECT_NE(m.find("[3, 4]"), std::string::npos) << m;
  }
  EXPECT_THROW(a.index({0, 0, 0}), std::out_of_range);
  EXPECT_THROW(a.narrow(1, 3, 2), std::out_of_range);
  EXPECT_THROW(a.transpose(0, 2), std::out_of_range);
}

TEST(Arithmetic, BroadcastErrorNamesOpAndShapes) {
  try {
    ag::ones({2, 3}) + ag::ones({4});
    FAIL();
  } catch (const std::invalid_argument& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("add"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
    EXPECT_NE(m.find("[4]"), std::string::npos) << m;
  }
}

TEST(Arithmetic, InPlaceOpsBumpVersionAndBroadcast) {
  auto a = ag::zeros({2, 3});
  auto v0 = a._version();
  a.add_(ag::tensor({1., 2., 3.}));
  a.mul_(2.0);
  EXPECT_TRUE(a.equal(ag::tensor({{2., 4., 6.}, {2., 4., 6.}})));
  EXPECT_EQ(a._version(), v0 + 2);
  EXPECT_THROW(ag::zeros({3}).add_(ag::ones({2, 3})), std::invalid_argument);
  auto t = ag::zeros({3, 2});
  t.t().copy_(ag::tensor({{1., 2., 3.}, {4., 5., 6.}}));
  EXPECT_TRUE(t.equal(ag::tensor({{1., 4.}, {2., 5.}, {3., 6.}})));
}

TEST(Arithmetic, ElementwiseValues) {
  auto a = ag::tensor({1., 4., 9.});
  EXPECT_TRUE(a.sqrt().equal(ag::tensor({1., 2., 3.})));
  EXPECT_TRUE((-a).abs().equal(a));
  EXPECT_TRUE(a.clamp(2.0, 5.0).equal(ag::tensor({2., 4., 5.})));
  EXPECT_TRUE(ag::where(a > 3.0, a, ag::zeros({3})).equal(ag::tensor({0., 4., 9.})));
  EXPECT_TRUE((a - 1.0).equal(ag::tensor({0., 3., 8.})));
  EXPECT_TRUE((10.0 - a).equal(ag::tensor({9., 6., 1.})));
  EXPECT_TRUE(ag::pow(ag::tensor({2, 3}), ag::tensor({3, 2})).equal(ag::tensor({8, 9})));
  // A large contiguous tensor takes the parallel path; the result must not change.
  auto big = ag::arange(0, 200000, 1, ag::kFloat64);
  EXPECT_DOUBLE_EQ((big * 2.0).sum().item(), 2.0 * 199999.0 * 200000.0 / 2.0);
}
