// isfinite (elementwise) and all_finite (one pass): both dtypes, NaN and both
// infinities at every position around the 16-lane boundary, views, empty tensors.
#include <gtest/gtest.h>

#include <limits>

#include "ag/ag.h"

using ag::Tensor;

namespace {
const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST(Finite, IsfiniteMarksEachElement) {
  for (auto dtype : {ag::kFloat32, ag::kFloat64}) {
    Tensor t = ag::tensor({1.0, kNan, kInf, -kInf, -0.0, 3e38}).to(dtype);
    Tensor f = ag::isfinite(t);
    EXPECT_EQ(f.dtype(), ag::kBool);
    EXPECT_TRUE(f.equal(ag::tensor({1.0, 0.0, 0.0, 0.0, 1.0, 1.0}).to(ag::kBool))) << f;
  }
  EXPECT_TRUE(ag::isfinite(ag::zeros({2, 3}, ag::kInt64)).equal(ag::ones({2, 3}, ag::kBool)));
  EXPECT_EQ(ag::isfinite(ag::zeros({0, 4})).sizes(), (ag::Dims{0, 4}));
  EXPECT_THROW(ag::isfinite(Tensor()), std::invalid_argument);
}

TEST(Finite, IsfiniteOfAView) {
  Tensor t = ag::zeros({3, 4});
  t.narrow(0, 1, 1).narrow(1, 2, 1).fill_(kInf);  // row 1, column 2
  Tensor f = ag::isfinite(t.t());                    // a transposed (non-contiguous) view
  EXPECT_EQ(f.sizes(), (ag::Dims{4, 3}));
  Tensor expect = ag::ones({4, 3}, ag::kBool);
  expect.narrow(0, 2, 1).narrow(1, 1, 1).fill_(0);
  EXPECT_TRUE(f.equal(expect)) << f;
}

TEST(Finite, AllFiniteFindsOneBadElementAnywhere) {
  // Sizes around one and two 16-element lane blocks, a bad value at every position.
  for (auto dtype : {ag::kFloat32, ag::kFloat64})
    for (int64_t n : {1, 15, 16, 17, 31, 32, 33}) {
      Tensor ok = ag::full({n}, 1e30, dtype);
      EXPECT_TRUE(ag::all_finite(ok)) << n;
      for (double bad : {kNan, kInf, -kInf})
        for (int64_t i = 0; i < n; ++i) {
          Tensor t = ok.clone();
          t.narrow(0, i, 1).fill_(bad);
          EXPECT_FALSE(ag::all_finite(t)) << ag::dtype_name(dtype) << " n " << n << " at " << i << " value " << bad;
        }
    }
}

TEST(Finite, AllFiniteOfViewsEmptyAndIntegers) {
  Tensor t = ag::zeros({4, 5}, ag::kFloat64);
  t.narrow(1, 4, 1).narrow(0, 3, 1).fill_(kNan);
  EXPECT_FALSE(ag::all_finite(t.t()));
  EXPECT_TRUE(ag::all_finite(t.narrow(1, 0, 4)));  // a strided view that leaves the NaN out
  EXPECT_FALSE(ag::all_finite(t.narrow(1, 4, 1)));
  EXPECT_TRUE(ag::all_finite(ag::zeros({0})));
  EXPECT_TRUE(ag::all_finite(ag::zeros({3}, ag::kInt64)));
  EXPECT_TRUE(ag::all_finite(ag::tensor({std::numeric_limits<float>::max()}).to(ag::kFloat32)));
  EXPECT_THROW(ag::all_finite(Tensor()), std::invalid_argument);
}
