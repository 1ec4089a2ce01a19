// RMSprop against PyTorch's documented formula: hand-computed first steps and
// trajectories against the double-precision reference.
#include "optim/reference.h"

using namespace optim_test;
using ag::optim::RMSprop;
using ag::optim::RMSpropOptions;

namespace {

// Loss 0.5*p^2 from p=1 (grad = p).
Values hand_run(RMSpropOptions o, int steps) {
  ag::Tensor p = param({1.0});
  RMSprop opt({p}, o);
  Values out;
  for (int i = 0; i < steps; ++i) {
    p.mutable_grad() = p.detach().clone();
    opt.step();
    out.push_back(values(p)[0]);
  }
  return out;
}

}  // namespace

TEST(RMSprop, DefaultsArePyTorchs) {
  RMSpropOptions o;
  EXPECT_EQ(o.lr(), 1e-2);
  EXPECT_EQ(o.alpha(), 0.99);
  EXPECT_EQ(o.eps(), 1e-8);
  EXPECT_EQ(o.momentum(), 0);
  EXPECT_FALSE(o.centered());
}

TEST(RMSprop, HandComputedSteps) {
  // Step 1: sq = 0.01*1, avg = 0.1 + 1e-8, p = 1 - 0.01/(0.1 + 1e-8).
  Values got = hand_run({}, 3);
  EXPECT_NEAR(got[0], 1 - 0.01 / (0.1 + 1e-8), 1e-12);
  EXPECT_NEAR(got[1], 0.8329179752650593, 1e-12);
  EXPECT_NEAR(got[2], 0.7799822819823541, 1e-12);
  // Centered step 1: ga = 0.01, avg = sqrt(0.01 - 0.0001) + eps = sqrt(0.0099) + eps.
  got = hand_run(RMSpropOptions().centered(true), 3);
  EXPECT_NEAR(got[0], 1 - 0.01 / (std::sqrt(0.0099) + 1e-8), 1e-12);
  EXPECT_NEAR(got[1], 0.8317593871030315, 1e-12);
  EXPECT_NEAR(got[2], 0.7780684196313441, 1e-12);
  // Momentum 0.9: buf = g/avg, p -= lr*buf.
  got = hand_run(RMSpropOptions().momentum(0.9), 3);
  EXPECT_NEAR(got[0], 0.9000000099999991, 1e-12);
  EXPECT_NEAR(got[1], 0.7429179842650584, 1e-12);
  EXPECT_NEAR(got[2], 0.552914953234408, 1e-12);
}

class RMSpropTrajectory : public ::testing::TestWithParam<ag::ScalarType> {};

TEST_P(RMSpropTrajectory, MatchesReferenceForEveryOption) {
  const ag::ScalarType dt = GetParam();
  const double tol = dt == ag::kFloat32 ? kTol32 : kTol64;
  const std::vector<RMSpropOptions> cases = {
      RMSpropOptions(0.01),
      RMSpropOptions(0.01).alpha(0.9).eps(1e-6),
      RMSpropOptions(0.01).weight_decay(0.1),
      RMSpropOptions(0.01).momentum(0.9),
      RMSpropOptions(0.01).centered(true),
      RMSpropOptions(0.005).alpha(0.95).weight_decay(0.05).momentum(0.5).centered(true).maximize(true),
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE("case " + std::to_string(k));
    const RMSpropOptions& o = cases[k];
    ag::Tensor p = param(Quadratic().p0, dt);
    RMSprop opt({p}, o);
    RmspropRef ref{o.lr(), o.alpha(), o.eps(), o.weight_decay(), o.momentum(), o.centered(), o.maximize(), {}, {}, {}};
    expect_trajectory(opt, p, ref, 25, tol);
  }
}

// alpha=0.3 makes the lerp weight 0.7 >= 0.5, PyTorch's other lerp form. Float64 only: with
// averages that follow the gradient this closely, sqrt(sq - ga^2) cancels, and float32
// (PyTorch's too) loses digits there.
TEST(RMSprop, CenteredWithSmallAlphaMatchesReference) {
  const auto o = RMSpropOptions(0.01).alpha(0.3).centered(true);
  ag::Tensor p = param(Quadratic().p0, ag::kFloat64);
  RMSprop opt({p}, o);
  expect_trajectory(opt, p, RmspropRef{o.lr(), o.alpha(), o.eps(), 0, 0, true, false, {}, {}, {}}, 25, kTol64);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, RMSpropTrajectory, ::testing::Values(ag::kFloat32, ag::kFloat64));

TEST(RMSprop, RejectsInvalidOptions) {
  ag::Tensor p = param({1.0});
  EXPECT_THROW(RMSprop({p}, RMSpropOptions(-1)), std::invalid_argument);
  EXPECT_THROW(RMSprop({p}, RMSpropOptions().alpha(-0.1)), std::invalid_argument);
  EXPECT_THROW(RMSprop({p}, RMSpropOptions().eps(-1)), std::invalid_argument);
  EXPECT_THROW(RMSprop({p}, RMSpropOptions().momentum(-1)), std::invalid_argument);
}
