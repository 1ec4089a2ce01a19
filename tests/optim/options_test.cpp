// The options classes in libtorch's spelling: a learning rate converts to options,
// setters chain and getters read, and to_map/from_map carry every setting.
#include <tuple>

#include "optim/reference.h"

using namespace optim_test;
namespace optim = ag::optim;

namespace {

// One step from p = 1 with grad 1; the step's size says which lr was used.
template <typename Opt, typename Options>
double after_one_step(Options options) {
  ag::Tensor p = param({1.0});
  Opt opt(ag::TensorList{p}, options);
  p.mutable_grad() = ag::ones({1}, ag::dtype(ag::kFloat64));
  opt.step();
  return values(p)[0];
}

}  // namespace

TEST(OptimizerOptions, LearningRateAloneConvertsAsInLibtorch) {
  // The libtorch form `SGD(params, 0.25)`: plain SGD moves p by lr * grad.
  EXPECT_DOUBLE_EQ(after_one_step<optim::SGD>(0.25), 0.75);
  // Adam's first step moves by lr (m_hat / sqrt(v_hat) = 1, up to eps).
  EXPECT_NEAR(after_one_step<optim::Adam>(0.125), 0.875, 1e-7);
  // AdamW (weight_decay 1e-2 by default): p *= 1 - lr*wd first, then the Adam step.
  EXPECT_NEAR(after_one_step<optim::AdamW>(0.5), 1 * (1 - 0.5 * 1e-2) - 0.5, 1e-7);
  // RMSprop: sq = (1 - 0.99) * 1, p -= lr / (sqrt(0.01) + eps) = 10 * lr.
  EXPECT_NEAR(after_one_step<optim::RMSprop>(0.01), 1 - 0.1, 1e-7);
}

TEST(OptimizerOptions, BuilderChainsSetEverySetting) {
  const optim::SGDOptions s = optim::SGDOptions(0.01).momentum(0.5).dampening(0.1).weight_decay(1e-4).maximize(true);
  EXPECT_EQ(s.lr(), 0.01);
  EXPECT_EQ(s.momentum(), 0.5);
  EXPECT_EQ(s.dampening(), 0.1);
  EXPECT_EQ(s.weight_decay(), 1e-4);
  EXPECT_FALSE(s.nesterov());
  EXPECT_TRUE(s.maximize());

  const auto a = optim::AdamOptions(2e-4).betas({0.5, 0.25}).eps(1e-6).amsgrad(true);
  EXPECT_EQ(a.lr(), 2e-4);
  EXPECT_EQ(std::get<0>(a.betas()), 0.5);
  EXPECT_EQ(std::get<1>(a.betas()), 0.25);
  EXPECT_EQ(a.eps(), 1e-6);
  EXPECT_TRUE(a.amsgrad());
  // libtorch programs also spell the betas with make_tuple.
  EXPECT_EQ(std::get<1>(optim::AdamWOptions().betas(std::make_tuple(0.8, 0.9)).betas()), 0.9);

  // Setters on a named object change it in place and chain by reference.
  optim::RMSpropOptions r;
  r.alpha(0.9).centered(true);
  r.lr() = 0.5;
  EXPECT_EQ(r.alpha(), 0.9);
  EXPECT_TRUE(r.centered());
  EXPECT_EQ(r.lr(), 0.5);
}

TEST(OptimizerOptions, MapsCarryEverySetting) {
  const auto s = optim::SGDOptions(0.03).momentum(0.7).dampening(0.2).weight_decay(0.01).maximize(true);
  const auto s2 = optim::SGDOptions::from_map(s.to_map());
  EXPECT_EQ(s2.to_map(), s.to_map());
  EXPECT_EQ(s2.dampening(), 0.2);
  EXPECT_TRUE(s2.maximize());

  const auto a = optim::AdamOptions(0.02).betas({0.7, 0.8}).eps(1e-5).weight_decay(0.1).amsgrad(true);
  const optim::Hyperparameters h = a.to_map();
  EXPECT_EQ(h.at("beta1"), 0.7);
  EXPECT_EQ(h.at("beta2"), 0.8);
  EXPECT_EQ(optim::AdamOptions::from_map(h).to_map(), h);

  const auto w = optim::AdamWOptions(0.04).weight_decay(0.3).maximize(true);
  EXPECT_EQ(w.adam().to_map(), optim::AdamOptions(0.04).weight_decay(0.3).maximize(true).to_map());

  const auto r = optim::RMSpropOptions(0.02).alpha(0.5).eps(1e-4).weight_decay(0.2).momentum(0.3).centered(true);
  EXPECT_EQ(optim::RMSpropOptions::from_map(r.to_map()).to_map(), r.to_map());
}

TEST(OptimizerOptions, DefaultsReachTheOptimizer) {
  ag::Tensor p = param({1.0});
  optim::AdamW opt(ag::TensorList{p});
  EXPECT_EQ(opt.defaults(), optim::AdamWOptions().adam().to_map());
  EXPECT_EQ(opt.defaults().at("weight_decay"), 1e-2);
  EXPECT_EQ(opt.param_groups()[0].lr(), 1e-3);
}
