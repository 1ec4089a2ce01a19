// SGD against PyTorch's documented formula: hand-computed first steps and
// full trajectories against the double-precision reference.
#include "optim/reference.h"

using namespace optim_test;
using ag::optim::SGD;
using ag::optim::SGDOptions;

namespace {

// Loss 0.5*p^2 from p=1, so grad = p: the numbers below are worked out by hand.
Values hand_run(SGDOptions o, int steps) {
  ag::Tensor p = param({1.0});
  SGD opt({p}, o);
  Values out;
  for (int i = 0; i < steps; ++i) {
    p.mutable_grad() = p.detach().clone();
    opt.step();
    out.push_back(values(p)[0]);
  }
  return out;
}

void expect_values(const Values& got, const Values& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "step " << i + 1;
}

}  // namespace

TEST(SGD, DefaultLearningRateIsPyTorch2) { EXPECT_EQ(SGDOptions().lr(), 1e-3); }

TEST(SGD, HandComputedSteps) {
  // p -= 0.1 * p
  expect_values(hand_run(SGDOptions(0.1), 3), {0.9, 0.81, 0.729});
  // buf = g first, then 0.9*buf + g: 1 -> 1.8 -> 2.34
  expect_values(hand_run(SGDOptions(0.1).momentum(0.9), 3), {0.9, 0.72, 0.486});
  // Nesterov: g + 0.9*buf: 1.9, then 0.81 + 0.9*1.71 = 2.349
  expect_values(hand_run(SGDOptions(0.1).momentum(0.9).nesterov(true), 2), {0.81, 0.5751});
  // Dampening does not touch the first buffer: 1, then 0.9*1 + 0.5*0.9 = 1.35
  expect_values(hand_run(SGDOptions(0.1).momentum(0.9).dampening(0.5), 2), {0.9, 0.765});
  // L2 decay: g = p + 0.1*p
  expect_values(hand_run(SGDOptions(0.1).weight_decay(0.1), 2), {0.89, 0.7921});
  // maximize climbs: p += 0.1*p
  expect_values(hand_run(SGDOptions(0.1).maximize(true), 2), {1.1, 1.21});
}

class SGDTrajectory : public ::testing::TestWithParam<ag::ScalarType> {};

TEST_P(SGDTrajectory, MatchesReferenceForEveryOption) {
  const ag::ScalarType dt = GetParam();
  const double tol = dt == ag::kFloat32 ? kTol32 : kTol64;
  const std::vector<SGDOptions> cases = {
      SGDOptions(0.05),
      SGDOptions(0.05).momentum(0.9),
      SGDOptions(0.05).momentum(0.9).dampening(0.3),
      SGDOptions(0.05).momentum(0.8).nesterov(true),
      SGDOptions(0.05).momentum(0.9).weight_decay(0.1),
      SGDOptions(0.05).weight_decay(0.2).maximize(true),
      SGDOptions(0.02).momentum(0.5).dampening(0.1).weight_decay(0.05).maximize(true),
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE("case " + std::to_string(k));
    const SGDOptions& o = cases[k];
    ag::Tensor p = param(Quadratic().p0, dt);
    SGD opt({p}, o);
    SgdRef ref{o.lr(), o.momentum(), o.dampening(), o.weight_decay(), o.nesterov(), o.maximize(), {}};
    expect_trajectory(opt, p, ref, 25, tol);
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, SGDTrajectory, ::testing::Values(ag::kFloat32, ag::kFloat64));

TEST(SGD, RejectsInvalidOptions) {
  ag::Tensor p = param({1.0});
  EXPECT_THROW(SGD({p}, SGDOptions(-1)), std::invalid_argument);
  EXPECT_THROW(SGD({p}, SGDOptions().momentum(-0.5)), std::invalid_argument);
  EXPECT_THROW(SGD({p}, SGDOptions().weight_decay(-1)), std::invalid_argument);
  try {
    SGD({p}, SGDOptions().nesterov(true));
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("Nesterov momentum requires a momentum and zero dampening"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(SGD({p}, SGDOptions().momentum(0.9).dampening(0.1).nesterov(true)), std::invalid_argument);
}
