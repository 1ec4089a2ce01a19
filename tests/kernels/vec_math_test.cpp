// The float32 exp, sigmoid and tanh of kernels/vec_math.h against the float64
// libm functions, over every 127th float (about 34 million values, all signs and
// exponents) and at the ends of their ranges.
#include "kernels/vec_math.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace vec = ag::kernels::vec;

namespace {

// The spacing of float32 values at `ref` (the value of one unit in the last place).
double ulp_at(double ref) {
  const float f = static_cast<float>(std::fabs(ref));
  if (f == 0) return std::numeric_limits<float>::denorm_min();
  return static_cast<double>(std::nextafter(f, std::numeric_limits<float>::infinity())) - static_cast<double>(f);
}

struct Worst {
  double ulps = 0, abs = 0;
  float at_ulps = 0, at_abs = 0;
  void add(float x, double got, double ref) {
    const double d = std::fabs(got - ref);
    if (d / ulp_at(ref) > ulps) ulps = d / ulp_at(ref), at_ulps = x;
    if (d > abs) abs = d, at_abs = x;
  }
};

template <typename F>
void for_every_127th_finite_float(F&& f) {
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFu; bits += 127) {
    const float x = std::bit_cast<float>(static_cast<uint32_t>(bits));
    if (std::isfinite(x)) f(x);
  }
}

}  // namespace

TEST(VecMath, ExpIsWithinOneAndAHalfUlpSubnormalsIncluded) {
  Worst w;
  for_every_127th_finite_float([&](float x) {
    if (x < -103.9f || x > 88.72f) return;
    w.add(x, vec::exp(x), std::exp(static_cast<double>(x)));
  });
  EXPECT_LE(w.ulps, 1.5) << "at x = " << w.at_ulps;
}

TEST(VecMath, ExpAtTheEndsOfItsRange) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(vec::exp(0.0f), 1.0f);
  EXPECT_EQ(vec::exp(-inf), 0.0f);
  EXPECT_EQ(vec::exp(inf), inf);
  EXPECT_TRUE(std::isnan(vec::exp(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(vec::exp(-1000.0f), 0.0f);
  EXPECT_EQ(vec::exp(-104.0f), 0.0f);
  EXPECT_EQ(vec::exp(-103.2789f), std::numeric_limits<float>::denorm_min()) << "exp(-103.2789) = 1.4e-45";
  EXPECT_EQ(vec::exp(89.0f), inf);
  EXPECT_TRUE(std::isfinite(vec::exp(88.72283f)) && vec::exp(88.72283f) > 3.4e38f) << "near the largest float, still finite";
}

TEST(VecMath, SigmoidAndTanhAreWithinThreeUlpAndATenMillionthAbsolute) {
  Worst ws, wt;
  for_every_127th_finite_float([&](float x) {
    const double xd = x;
    ws.add(x, vec::sigmoid(x), 1.0 / (1.0 + std::exp(-xd)));
    wt.add(x, vec::tanh(x), std::tanh(xd));
  });
  EXPECT_LE(ws.abs, 1.5e-7) << "sigmoid at x = " << ws.at_abs;
  EXPECT_LE(wt.abs, 1.5e-7) << "tanh at x = " << wt.at_abs;
  // Relative accuracy where the result is not tiny (sigmoid's far negative tail is
  // exp(x), whose subnormal part flushes to zero).
  Worst rs, rt;
  for_every_127th_finite_float([&](float x) {
    const double xd = x;
    if (x > -80) rs.add(x, vec::sigmoid(x), 1.0 / (1.0 + std::exp(-xd)));
    if (std::fabs(x) > 1e-30f) rt.add(x, vec::tanh(x), std::tanh(xd));
  });
  EXPECT_LE(rs.ulps, 3.0) << "sigmoid at x = " << rs.at_ulps;
  EXPECT_LE(rt.ulps, 3.0) << "tanh at x = " << rt.at_ulps;
}

TEST(VecMath, SigmoidAndTanhAtTheEnds) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(vec::sigmoid(inf), 1.0f);
  EXPECT_EQ(vec::sigmoid(-inf), 0.0f);
  EXPECT_EQ(vec::sigmoid(0.0f), 0.5f);
  EXPECT_EQ(vec::tanh(inf), 1.0f);
  EXPECT_EQ(vec::tanh(-inf), -1.0f);
  EXPECT_EQ(vec::tanh(0.0f), 0.0f);
  EXPECT_EQ(vec::tanh(1e-20f), 1e-20f);
  EXPECT_TRUE(std::isnan(vec::sigmoid(nan)));
  EXPECT_TRUE(std::isnan(vec::tanh(nan)));
}
