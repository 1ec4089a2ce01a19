// Anomaly mode (ag/anomaly_mode.h): the first op whose result or gradient goes
// NaN/inf is named; off, nothing is checked; the guard restores the setting.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "ag/ag.h"

using ag::Tensor;

namespace {

// The message of the AnomalyError `fn` throws; fails the test when it throws nothing else.
template <typename Fn>
std::string anomaly_message(Fn&& fn) {
  try {
    fn();
  } catch (const ag::AnomalyError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no AnomalyError";
  return "";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(AnomalyMode, OffByDefaultAndTheGuardRestores) {
  EXPECT_FALSE(ag::is_anomaly_enabled());
  {
    ag::DetectAnomalyGuard on;
    EXPECT_TRUE(ag::is_anomaly_enabled());
    {
      ag::DetectAnomalyGuard nested;
      EXPECT_TRUE(ag::is_anomaly_enabled());
    }
    EXPECT_TRUE(ag::is_anomaly_enabled());
  }
  EXPECT_FALSE(ag::is_anomaly_enabled());
  ag::set_detect_anomaly(true);
  EXPECT_TRUE(ag::is_anomaly_enabled());
  ag::set_detect_anomaly(false);
  EXPECT_FALSE(ag::is_anomaly_enabled());
}

TEST(AnomalyMode, ForwardNamesTheOpThatMadeNan) {
  ag::DetectAnomalyGuard on;
  auto x = ag::tensor({1.f, -1.f, 2.f}, ag::requires_grad());  // float32: the 32-bit scan
  auto y = x * 2.0;                                            // finite: passes
  std::string msg = anomaly_message([&] { (void)y.log(); });
  EXPECT_TRUE(has(msg, "'log' (LogBackward0) returned nan values")) << msg;
  EXPECT_TRUE(has(msg, "output of shape [3]")) << msg;
  EXPECT_TRUE(has(msg, "input shapes: [3]")) << msg;
  EXPECT_TRUE(has(msg, "every input was finite")) << msg;
}

TEST(AnomalyMode, ForwardInfIsNamedToo) {
  ag::DetectAnomalyGuard on;
  auto x = ag::tensor({1., 0.}, ag::requires_grad().dtype(ag::kFloat64));
  std::string msg = anomaly_message([&] { (void)x.log(); });
  EXPECT_TRUE(has(msg, "'log' (LogBackward0) returned inf values")) << msg;
  auto a = ag::tensor({{1e200, 1.}}, ag::requires_grad().dtype(ag::kFloat64));
  auto b = ag::tensor({{1e200}, {1.}}, ag::dtype(ag::kFloat64));
  msg = anomaly_message([&] { (void)a.matmul(b); });
  EXPECT_TRUE(has(msg, "inf values in its output of shape [1, 1]")) << msg;
  EXPECT_TRUE(has(msg, "input shapes: [1, 2], [2, 1]")) << msg;
}

TEST(AnomalyMode, ForwardSaysWhenTheInputWasAlreadyBad) {
  ag::DetectAnomalyGuard on;
  float inf = std::numeric_limits<float>::infinity();
  auto w = ag::tensor({{1.f, inf, 3.f}, {4.f, 5.f, 6.f}}, ag::requires_grad());  // a parameter gone bad
  std::string msg = anomaly_message([&] { (void)w.t(); });  // non-contiguous result: scanned through a copy
  EXPECT_TRUE(has(msg, "'transpose' (TransposeBackward0) returned inf values in its output of shape [3, 2]")) << msg;
  EXPECT_TRUE(has(msg, "input(s) 0 already held non-finite values")) << msg;
}

TEST(AnomalyMode, BackwardNamesTheNodeThatReturnedInf) {
  ag::DetectAnomalyGuard on;
  auto x = ag::tensor({0., 4.}, ag::requires_grad().dtype(ag::kFloat64));
  auto y = x.sqrt().sum();  // forward finite: sqrt(0) = 0; d/dx = 1 / (2 sqrt(0)) = inf
  std::string msg = anomaly_message([&] { y.backward(); });
  EXPECT_TRUE(has(msg, "Function 'SqrtBackward0' returned inf values in its 0th output.")) << msg;
  EXPECT_TRUE(has(msg, "shape [2]")) << msg;
  EXPECT_FALSE(x.grad().defined()) << "the bad gradient reached the leaf";
}

TEST(AnomalyMode, BackwardNamesTheNodeThatReturnedNan) {
  ag::DetectAnomalyGuard on;
  auto x = ag::tensor({0.f}, ag::requires_grad());
  auto y = (x.sqrt() * 0.0).sum();  // gradient into sqrt is 0; 0 / (2 sqrt(0)) = nan
  std::string msg = anomaly_message([&] { y.backward(); });
  EXPECT_TRUE(has(msg, "Function 'SqrtBackward0' returned nan values in its 0th output.")) << msg;
}

TEST(AnomalyMode, OffChecksNothing) {
  ASSERT_FALSE(ag::is_anomaly_enabled());
  auto x = ag::tensor({-1., 0.}, ag::requires_grad().dtype(ag::kFloat64));
  Tensor l;
  EXPECT_NO_THROW(l = x.log());
  EXPECT_TRUE(std::isnan(l.index({0}).item()));
  auto z = ag::tensor({0.}, ag::requires_grad().dtype(ag::kFloat64));
  EXPECT_NO_THROW(z.sqrt().sum().backward());
  EXPECT_TRUE(std::isinf(z.grad().item()));
}

TEST(AnomalyMode, NoGradOpsAreNotChecked) {
  ag::DetectAnomalyGuard on;
  auto x = ag::tensor({-1.}, ag::requires_grad());
  ag::NoGradGuard ng;
  Tensor l;
  EXPECT_NO_THROW(l = x.log());
  EXPECT_TRUE(std::isnan(l.item()));
}

TEST(AnomalyMode, FiniteTrainingStepPasses) {
  ag::DetectAnomalyGuard on;
  ag::manual_seed(0);
  ag::nn::Linear lin(4, 3);
  auto x = ag::randn({5, 4});
  auto y = ag::tensor({0., 1., 2., 0., 1.}).to(ag::kInt64);
  auto loss = ag::nn::functional::cross_entropy(lin(x), y);
  EXPECT_NO_THROW(loss.backward());
  EXPECT_TRUE(lin->weight.grad().defined());
}
