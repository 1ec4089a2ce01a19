// clip_grad_norm_ / clip_grad_value_: the returned total norm and the scaled
// gradients, worked by hand, for 2-, 1- and inf-norms and non-finite totals.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ag/ag.h"
#include "ag/nn/nn.h"

using ag::Tensor;
namespace utils = ag::nn::utils;

namespace {
// A parameter whose .grad is `g`.
Tensor with_grad(const Tensor& g) {
  Tensor p = ag::zeros(g.sizes(), g.dtype()).requires_grad_();
  p.mutable_grad() = g.clone();
  return p;
}
}  // namespace

TEST(ClipGradNorm, ScalesByMaxNormOverTotal) {
  Tensor a = with_grad(ag::tensor({3., 4.})), b = with_grad(ag::tensor({{12.}})), none = ag::zeros({2}).requires_grad_();
  double total = utils::clip_grad_norm_({a, none, b}, 6.5);
  EXPECT_NEAR(total, 13.0, 1e-5);
  const double coef = 6.5 / (13 + 1e-6);
  EXPECT_TRUE(a.grad().allclose(ag::tensor({3 * coef, 4 * coef}), 1e-6, 1e-6)) << a.grad();
  EXPECT_TRUE(b.grad().allclose(ag::tensor({{12 * coef}}), 1e-6, 1e-6));
  EXPECT_FALSE(none.grad().defined());
  // Under max_norm: unchanged (the coefficient is clamped to 1).
  double again = utils::clip_grad_norm_(a, 100);
  EXPECT_NEAR(again, 2.5, 1e-5);
  EXPECT_TRUE(a.grad().allclose(ag::tensor({3 * coef, 4 * coef}), 1e-6, 1e-6));
  EXPECT_EQ(utils::clip_grad_norm_({none}, 1.0), 0.0);
}

TEST(ClipGradNorm, OtherNorms) {
  Tensor a = with_grad(ag::tensor({1., -5.})), b = with_grad(ag::tensor({2.}, ag::kFloat64));
  EXPECT_NEAR(utils::clip_grad_norm_({a, b}, 100, 1), 8.0, 1e-6);
  EXPECT_NEAR(utils::clip_grad_norm_({a, b}, 100, 3), std::cbrt(1 + 125 + 8), 1e-5);
  double inf = std::numeric_limits<double>::infinity();
  EXPECT_NEAR(utils::clip_grad_norm_({a, b}, 1, inf), 5.0, 1e-6);
  EXPECT_TRUE(a.grad().allclose(ag::tensor({1 / 5., -1.}), 1e-5, 1e-5));
  EXPECT_TRUE(b.grad().allclose(ag::tensor({2 / 5.}, ag::kFloat64), 1e-5, 1e-5));
  EXPECT_THROW(utils::clip_grad_norm_({a}, 1, 0), std::invalid_argument);
}

TEST(ClipGradNorm, NonFiniteTotal) {
  Tensor a = with_grad(ag::tensor({1., std::numeric_limits<double>::quiet_NaN()}));
  EXPECT_THROW(utils::clip_grad_norm_({a}, 1, 2, true), std::runtime_error);
  EXPECT_TRUE(std::isnan(utils::clip_grad_norm_({a}, 1)));
  EXPECT_TRUE(std::isnan(a.grad().index({0}).item()));  // scaled by NaN, as PyTorch
}

TEST(ClipGradValue, Clamps) {
  Tensor a = with_grad(ag::tensor({-3., 0.5, 2.})), none = ag::zeros({1}).requires_grad_();
  utils::clip_grad_value_({a, none}, 1.0);
  EXPECT_TRUE(a.grad().equal(ag::tensor({-1.f, 0.5f, 1.f})));
  utils::clip_grad_value_(a, 0.25);
  EXPECT_TRUE(a.grad().equal(ag::tensor({-0.25f, 0.25f, 0.25f})));
}
