// Adam and AdamW against PyTorch's documented formulas: hand-computed first
// steps, trajectories against the double reference, and the exact float32
// rounding of PyTorch's single-tensor path (Note [Optimizer rounding]).
#include <cstring>

#include "optim/reference.h"

using namespace optim_test;
using ag::optim::Adam;
using ag::optim::AdamOptions;
using ag::optim::AdamW;
using ag::optim::AdamWOptions;

namespace {

// Loss 0.5*p^2 from p=1 (grad = p), lr=0.1.
template <typename Opt, typename Options>
Values hand_run(Options o, int steps) {
  ag::Tensor p = param({1.0});
  Opt opt({p}, o);
  Values out;
  for (int i = 0; i < steps; ++i) {
    p.mutable_grad() = p.detach().clone();
    opt.step();
    out.push_back(values(p)[0]);
  }
  return out;
}

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

}  // namespace

TEST(Adam, DefaultsArePyTorchs) {
  AdamOptions a;
  EXPECT_EQ(a.lr(), 1e-3);
  EXPECT_EQ(std::get<0>(a.betas()), 0.9);
  EXPECT_EQ(std::get<1>(a.betas()), 0.999);
  EXPECT_EQ(a.eps(), 1e-8);
  EXPECT_EQ(a.weight_decay(), 0);
  EXPECT_EQ(AdamWOptions().weight_decay(), 1e-2);
}

TEST(Adam, HandComputedSteps) {
  // Step 1: m = 0.1*g, v = 0.001*g^2, so m/bc1 = g and sqrt(v/bc2) = |g|:
  // p = 1 - 0.1 * 1/(1 + 1e-8) = 0.900000001. Steps 2 and 3 worked through the same formula.
  const Values got = hand_run<Adam>(AdamOptions(0.1), 3);
  EXPECT_NEAR(got[0], 0.900000001, 1e-12);
  EXPECT_NEAR(got[1], 0.8004122297123382, 1e-12);
  EXPECT_NEAR(got[2], 0.701586274504415, 1e-12);
  // AdamW: p *= 1 - 0.1*0.1 first (grad was taken at p=1), then the same Adam step.
  const Values w = hand_run<AdamW>(AdamWOptions(0.1).weight_decay(0.1), 3);
  EXPECT_NEAR(w[0], 0.890000001, 1e-12);
  EXPECT_NEAR(w[1], 0.7815718569541611, 1e-12);
  EXPECT_NEAR(w[2], 0.6751012231892008, 1e-12);
}

class AdamTrajectory : public ::testing::TestWithParam<ag::ScalarType> {};

TEST_P(AdamTrajectory, MatchesReferenceForEveryOption) {
  const ag::ScalarType dt = GetParam();
  const double tol = dt == ag::kFloat32 ? kTol32 : kTol64;
  const std::vector<AdamOptions> cases = {
      AdamOptions(0.05),
      AdamOptions(0.05).betas({0.8, 0.99}).eps(1e-6),
      AdamOptions(0.05).weight_decay(0.1),
      AdamOptions(0.05).amsgrad(true),
      AdamOptions(0.05).weight_decay(0.05).amsgrad(true).maximize(true),
      AdamOptions(0.05).betas({0.3, 0.9}),  // lerp weight 0.7 >= 0.5 takes PyTorch's other lerp form
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE("Adam case " + std::to_string(k));
    const AdamOptions& o = cases[k];
    ag::Tensor p = param(Quadratic().p0, dt);
    Adam opt({p}, o);
    AdamRef ref{o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()), o.eps(), o.weight_decay(), o.amsgrad(), o.maximize(), false, {}, {}, {}, 0};
    expect_trajectory(opt, p, ref, 30, tol);
  }
  for (const AdamWOptions& o : {AdamWOptions(0.05), AdamWOptions(0.05).weight_decay(0.3).amsgrad(true)}) {
    SCOPED_TRACE("AdamW");
    ag::Tensor p = param(Quadratic().p0, dt);
    AdamW opt({p}, o);
    AdamRef ref{o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()), o.eps(), o.weight_decay(), o.amsgrad(), o.maximize(), true, {}, {}, {}, 0};
    expect_trajectory(opt, p, ref, 30, tol);
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, AdamTrajectory, ::testing::Values(ag::kFloat32, ag::kFloat64));

// The float32 result of PyTorch's _single_tensor_adam, op by op: each tensor op rounds to
// float; scalars are Python doubles converted once; lerp and add(alpha) as ATen's
// vectorised kernels compute them (fused multiply-add).
TEST(Adam, Float32RoundingIsPyTorchsOpByOp) {
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.02;
  const std::vector<float> p0 = {1.0f, -0.3f, 2.5f, 1e-3f, -7.0f};
  ag::Tensor p = param(Values(p0.begin(), p0.end()), ag::kFloat32);
  Adam opt({p}, AdamOptions(lr).weight_decay(wd).amsgrad(true));

  std::vector<float> ep = p0, m(p0.size(), 0.f), v(p0.size(), 0.f), vmax(p0.size(), 0.f);
  for (int t = 1; t <= 20; ++t) {
    std::vector<float> g(p0.size());
    for (size_t i = 0; i < g.size(); ++i) g[i] = 0.5f * ep[i] - 0.25f + 0.1f * static_cast<float>(i);
    p.mutable_grad() = ag::from_vector(g, {static_cast<int64_t>(g.size())});
    opt.step();

    const double bc1 = 1 - std::pow(b1, t), bc2 = 1 - std::pow(b2, t);
    const double step_size = lr / bc1, bc2_sqrt = std::pow(bc2, 0.5);
    for (size_t i = 0; i < ep.size(); ++i) {
      float grad = std::fma(ep[i], static_cast<float>(wd), g[i]);           // grad.add(param, alpha=wd)
      m[i] = std::fma(static_cast<float>(1 - b1), grad - m[i], m[i]);        // exp_avg.lerp_(grad, 1-b1)
      v[i] = v[i] * static_cast<float>(b2);                                  // exp_avg_sq.mul_(b2)
      v[i] = v[i] + static_cast<float>(1 - b2) * grad * grad;                //   .addcmul_(grad, grad, 1-b2)
      vmax[i] = std::max(vmax[i], v[i]);                                     // torch.maximum(..., out=)
      float denom = std::sqrt(vmax[i]) / static_cast<float>(bc2_sqrt);       // sqrt() / bc2_sqrt
      denom = denom + static_cast<float>(eps);                               //   .add_(eps)
      ep[i] = ep[i] + static_cast<float>(-step_size) * m[i] / denom;         // addcdiv_(m, denom, -step_size)
    }
    const float* got = p.data_ptr<float>();
    for (size_t i = 0; i < ep.size(); ++i) ASSERT_EQ(bits(got[i]), bits(ep[i])) << "step " << t << ", element " << i;
  }
}

// Elements are independent: a large tensor (split across threads, vector loops and
// tails) gives every element exactly what a one-element tensor gives.
TEST(Adam, LargeTensorsRoundEveryElementAlike) {
  const int64_t n = 3 * 32768 + 13;
  ag::Tensor big = ag::full({n}, 0.75, ag::kFloat32).requires_grad_(true);
  ag::Tensor one = ag::full({1}, 0.75, ag::kFloat32).requires_grad_(true);
  AdamW a({big}, AdamWOptions(0.01)), b({one}, AdamWOptions(0.01));
  for (int t = 0; t < 5; ++t) {
    big.mutable_grad() = ag::full({n}, 0.3 - 0.1 * t, ag::kFloat32);
    one.mutable_grad() = ag::full({1}, 0.3 - 0.1 * t, ag::kFloat32);
    a.step();
    b.step();
  }
  const uint32_t want = bits(one.data_ptr<float>()[0]);
  const float* got = big.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(bits(got[i]), want) << "element " << i;
}

TEST(Adam, RejectsInvalidOptions) {
  ag::Tensor p = param({1.0});
  EXPECT_THROW(Adam({p}, AdamOptions(-0.1)), std::invalid_argument);
  EXPECT_THROW(Adam({p}, AdamOptions().betas({1.0, 0.999})), std::invalid_argument);
  EXPECT_THROW(Adam({p}, AdamOptions().betas({0.9, -0.1})), std::invalid_argument);
  EXPECT_THROW(Adam({p}, AdamOptions().eps(-1e-8)), std::invalid_argument);
  EXPECT_THROW(AdamW({p}, AdamWOptions().weight_decay(-0.01)), std::invalid_argument);
}
