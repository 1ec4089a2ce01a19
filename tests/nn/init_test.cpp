// nn::init: gains, fans, the bounds of each initialiser (checked draw by draw
// against the project's Generator), and use on parameters that require grad.
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace init = ag::nn::init;

TEST(Init, CalculateGainTable) {
  EXPECT_EQ(init::calculate_gain("linear"), 1.0);
  EXPECT_EQ(init::calculate_gain("conv2d"), 1.0);
  EXPECT_EQ(init::calculate_gain("sigmoid"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("tanh"), 5.0 / 3);
  EXPECT_DOUBLE_EQ(init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu"), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(init::calculate_gain("selu"), 0.75);
  EXPECT_THROW(init::calculate_gain("swish"), std::invalid_argument);
}

TEST(Init, FansIncludeTheReceptiveField) {
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(ag::empty({3, 5})), (std::pair<int64_t, int64_t>{5, 3}));
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(ag::empty({8, 4, 3, 3})), (std::pair<int64_t, int64_t>{36, 72}));
  EXPECT_THROW(init::calculate_fan_in_and_fan_out(ag::empty({5})), std::invalid_argument);
}

TEST(Init, UniformFamiliesDrawFromTheGivenGenerator) {
  auto w = ag::empty({6, 4}, ag::requires_grad());  // a parameter: init runs under NoGradGuard
  auto check = [&](double bound, uint64_t seed) {
    ag::Generator g(seed);
    const float* p = w.data_ptr<float>();
    for (int64_t i = 0; i < w.numel(); ++i)
      ASSERT_EQ(p[i], g.uniform_float(static_cast<float>(-bound), static_cast<float>(bound))) << i;
  };
  ag::Generator gen(7);
  init::xavier_uniform_(w, 2.0, &gen);
  check(std::sqrt(3.0) * (2.0 * std::sqrt(2.0 / 10)), 7);
  ag::manual_seed(8);
  init::kaiming_uniform_(w, 0, "fan_out", "relu");  // global generator
  check(std::sqrt(3.0) * (std::sqrt(2.0) / std::sqrt(6.0)), 8);
  ag::manual_seed(9);
  init::uniform_(w, -0.25, 0.25);
  check(0.25, 9);
  EXPECT_TRUE(w.requires_grad());
  EXPECT_THROW(init::kaiming_uniform_(w, 0, "fan_avg"), std::invalid_argument);
}

TEST(Init, NormalFamiliesHaveTheirStd) {
  auto w = ag::empty({400, 250});
  init::kaiming_normal_(w, 0, "fan_in", "relu");
  EXPECT_NEAR(w.std().item(), std::sqrt(2.0 / 250), 0.002);
  EXPECT_NEAR(w.mean().item(), 0.0, 0.002);
  init::xavier_normal_(w);
  EXPECT_NEAR(w.std().item(), std::sqrt(2.0 / 650), 0.002);
  init::normal_(w, 3, 0.5);
  EXPECT_NEAR(w.mean().item(), 3.0, 0.01);
  EXPECT_NEAR(w.std().item(), 0.5, 0.01);
}

TEST(Init, ConstantsAndEmptyTensors) {
  auto b = ag::empty({3}, ag::requires_grad());
  init::constant_(b, 0.5);
  EXPECT_TRUE(b.detach().equal(ag::full({3}, 0.5)));
  init::zeros_(b);
  EXPECT_EQ(b.abs().sum().item(), 0.0);
  init::ones_(b);
  EXPECT_EQ(b.sum().item(), 3.0);
  // Zero-element tensors are left alone and draw nothing.
  ag::manual_seed(1);
  init::kaiming_uniform_(ag::empty({0, 3}));
  ag::Generator g(1);
  EXPECT_EQ(ag::default_generator().random(), g.random());
}
