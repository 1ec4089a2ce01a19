// Conv2d, pooling, BatchNorm, LayerNorm and Embedding as modules: names, shapes,
// init bounds, modes, and gradients through the module wrappers.
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"

using ag::TensorList;

TEST(ConvLayers, Conv2dShapesNamesAndInit) {
  ag::manual_seed(0);
  ag::nn::Conv2d conv(3, 8, 5, 1, 2);
  EXPECT_EQ(conv->weight.sizes(), (ag::Dims{8, 3, 5, 5}));
  auto y = conv(ag::randn({2, 3, 28, 28}));
  EXPECT_EQ(y.sizes(), (ag::Dims{2, 8, 28, 28}));
  double bound = 1 / std::sqrt(75.0);
  EXPECT_LE(conv->weight.abs().max().item(), bound + 1e-6);
  EXPECT_LE(conv->bias.abs().max().item(), bound + 1e-6);
  EXPECT_EQ(conv->repr(), "Conv2d(3, 8, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))");
  EXPECT_THROW(ag::nn::Conv2d(3, 8, 3, 1, 0, 1, 2), std::invalid_argument);
}

TEST(ConvLayers, GradientsFlowThroughModules) {
  ag::manual_seed(1);
  ag::nn::Sequential net{ag::nn::Conv2d(1, 2, 3, 1, 1), ag::nn::BatchNorm2d(2), ag::nn::ReLU(), ag::nn::MaxPool2d(2),
                         ag::nn::Flatten(), ag::nn::Linear(8, 3)};
  net->to(ag::kFloat64);
  auto x = ag::randn({2, 1, 4, 4}, ag::kFloat64).requires_grad_();
  auto r = ag::gradcheck([&](const TensorList& in) { return net(in[0]); }, {x});
  EXPECT_TRUE(r.ok) << r.message;
  auto names = net->named_parameters();
  EXPECT_TRUE(names.contains("0.weight"));
  EXPECT_TRUE(names.contains("1.weight"));
  EXPECT_TRUE(net->named_buffers().contains("1.running_mean"));
}

TEST(ConvLayers, BatchNormUsesRunningStatsInEval) {
  ag::nn::BatchNorm1d bn(3);
  auto x = ag::randn({16, 3}) * 2.0 + 5.0;
  bn(x);
  EXPECT_GT(bn->running_mean.mean().item(), 0.3);  // moved 10% towards ~5
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  bn->eval();
  auto before = bn->running_mean.clone();
  bn(x);
  EXPECT_TRUE(bn->running_mean.equal(before));
  EXPECT_THROW(bn(ag::randn({2, 3, 4, 4})), std::invalid_argument);
}

TEST(ConvLayers, LayerNormAndEmbedding) {
  ag::nn::LayerNorm ln({4});
  auto y = ln(ag::randn({3, 4}) * 3.0 + 1.0);
  EXPECT_NEAR(y.mean({1}).abs().max().item(), 0.0, 1e-5);
  ag::nn::Embedding emb(10, 4, 0);
  EXPECT_TRUE(emb->weight[0].equal(ag::zeros({4})));
  EXPECT_EQ(emb(ag::tensor({{1, 2}, {3, 0}})).sizes(), (ag::Dims{2, 2, 4}));
  EXPECT_THROW(emb(ag::tensor({10})), std::exception);
}

TEST(ConvLayers, AvgPoolAndConvNetShape) {
  ag::nn::AvgPool2d pool(2);
  EXPECT_TRUE(pool(ag::ones({1, 1, 4, 4})).equal(ag::ones({1, 1, 2, 2})));
}
