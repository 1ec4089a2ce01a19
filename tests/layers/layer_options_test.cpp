// The layers built from libtorch's options classes: Conv2dOptions, pool options,
// BatchNorm1d/2d options (momentum, None momentum, track_running_stats),
// Dropout/Dropout2d, ReLU/LeakyReLU options; each checked against values worked
// out independently, and printed as PyTorch prints them.
#include <cmath>

#include "layers/layers_util.h"

namespace F = ag::nn::functional;
namespace nn = ag::nn;
using ag::Tensor;
using ag::TensorList;
using agtest::error_of;
using agtest::leaf;
using agtest::values;

TEST(Conv2dOptions, BuilderChainMatchesPositionalArguments) {
  auto o = nn::Conv2dOptions(3, 8, 4).stride(2).padding(1).bias(false);
  EXPECT_EQ(o.in_channels(), 3);
  EXPECT_EQ(o.kernel_size().h, 4);
  EXPECT_EQ(o.stride().w, 2);
  EXPECT_FALSE(o.bias());
  EXPECT_EQ(o.groups(), 1);
  ag::manual_seed(7);
  nn::Conv2d from_options(o);
  ag::manual_seed(7);
  nn::Conv2d positional(3, 8, 4, 2, 1, 1, 1, false);
  EXPECT_TRUE(from_options->weight.equal(positional->weight));
  EXPECT_FALSE(from_options->bias.defined());
  EXPECT_EQ(from_options->repr(), "Conv2d(3, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)");
  EXPECT_EQ(from_options->repr(), positional->repr());
  Tensor x = ag::randn({2, 3, 28, 28});
  EXPECT_EQ(from_options(x).sizes(), (ag::Dims{2, 8, 14, 14}));
  EXPECT_TRUE(from_options(x).equal(F::conv2d(x, positional->weight, Tensor(), 2, 1)));

  nn::Conv2d grouped(nn::Conv2dOptions(4, 6, {3, 1}).groups(2).dilation({2, 1}).padding({2, 0}));
  EXPECT_EQ(grouped->weight.sizes(), (ag::Dims{6, 2, 3, 1}));
  EXPECT_EQ(grouped->repr(), "Conv2d(4, 6, kernel_size=(3, 1), stride=(1, 1), padding=(2, 0), dilation=(2, 1), groups=2)");
  EXPECT_NE(error_of([] { nn::Conv2d(nn::Conv2dOptions(3, 6, 3).groups(2)); }).find("divisible by groups (2)"),
            std::string::npos);
  EXPECT_NE(error_of([] { nn::Conv2d(nn::Conv2dOptions(3, 6, 3).stride(0)); }).find("must be positive"),
            std::string::npos);
}

TEST(PoolOptions, MaxAndAveragePooling) {
  // A 4×4 plane 0..15: max over 3×3 windows with stride 1 is the window's bottom-right corner.
  Tensor x = ag::arange(16).to(ag::kFloat32).reshape({1, 1, 4, 4});
  nn::MaxPool2d max_pool(nn::MaxPool2dOptions(3).stride(1));
  EXPECT_TRUE(max_pool(x).equal(ag::tensor({10.f, 11.f, 14.f, 15.f}).reshape({1, 1, 2, 2})));
  EXPECT_EQ(max_pool->repr(), "MaxPool2d(kernel_size=3, stride=1, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(nn::MaxPool2d(2)->repr(), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  // ceil_mode keeps the last, partial window: 4 → 2 windows of 3 with stride 2.
  nn::MaxPool2d ceil_pool(nn::MaxPool2dOptions(3).stride(2).ceil_mode(true));
  EXPECT_TRUE(ceil_pool(x).equal(ag::tensor({10.f, 11.f, 14.f, 15.f}).reshape({1, 1, 2, 2})));

  // Average over 3×3 windows with padding 1 and stride 2: the corner window holds 0, 1, 4, 5.
  nn::AvgPool2d with_pad(nn::AvgPool2dOptions(3).stride(2).padding(1));
  nn::AvgPool2d real_only(nn::AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(false));
  nn::AvgPool2d divisor(nn::AvgPool2dOptions(3).stride(2).padding(1).divisor_override(2));
  EXPECT_FLOAT_EQ(with_pad(x).flatten()[0].item(), 10.0 / 9);
  EXPECT_FLOAT_EQ(real_only(x).flatten()[0].item(), 10.0 / 4);
  EXPECT_FLOAT_EQ(divisor(x).flatten()[0].item(), 10.0 / 2);
  EXPECT_EQ(with_pad->repr(), "AvgPool2d(kernel_size=3, stride=2, padding=1)");
  EXPECT_EQ(nn::AvgPool2d(nn::AvgPool2dOptions({2, 1}))->repr(), "AvgPool2d(kernel_size=(2, 1), stride=(2, 1), padding=0)");
}

TEST(BatchNormOptions, MomentumEpsAndRepr) {
  nn::BatchNorm2d bn(nn::BatchNorm2dOptions(2).momentum(0.5).eps(1e-3));
  EXPECT_EQ(bn->repr(), "BatchNorm2d(2, eps=0.001, momentum=0.5, affine=True, track_running_stats=True)");
  // Channel 0 holds 1, 3 (mean 2, unbiased var 2), channel 1 holds 0, 4 (mean 2, unbiased var 8).
  Tensor x = ag::tensor({1.f, 0.f, 3.f, 4.f}).reshape({2, 2, 1, 1});
  Tensor y = bn(x);
  EXPECT_TRUE(bn->running_mean.allclose(ag::tensor({1.f, 1.f})));               // 0.5·0 + 0.5·2
  EXPECT_TRUE(bn->running_var.allclose(ag::tensor({1.5f, 4.5f})));             // 0.5·1 + 0.5·{2, 8}
  EXPECT_NEAR(y.flatten()[0].item(), -1 / std::sqrt(1 + 1e-3), 1e-6);          // biased var 1
  EXPECT_NEAR(y.flatten()[1].item(), -2 / std::sqrt(4 + 1e-3), 1e-6);          // biased var 4
  bn->eval();
  // Eval: normalised with the running statistics and eps.
  EXPECT_NEAR(bn(x).flatten()[0].item(), (1 - 1) / std::sqrt(1.5 + 1e-3), 1e-6);
  EXPECT_NEAR(bn(x).flatten()[3].item(), (4 - 1) / std::sqrt(4.5 + 1e-3), 1e-6);
}

TEST(BatchNormOptions, NoneMomentumIsACumulativeAverage) {
  nn::BatchNorm1d bn(nn::BatchNorm1dOptions(1).momentum(std::nullopt).affine(false));
  EXPECT_EQ(bn->repr(), "BatchNorm1d(1, eps=1e-05, momentum=None, affine=False, track_running_stats=True)");
  EXPECT_TRUE(bn->named_parameters().empty());
  // Batch means 1, 5, 3: the running mean after k batches is the mean of the first k.
  const double means[] = {1, 5, 3}, expected[] = {1, 3, 3};
  for (int k = 0; k < 3; ++k) {
    bn(ag::tensor({means[k] - 1, means[k] + 1}).reshape({2, 1}));
    EXPECT_NEAR(bn->running_mean.item(), expected[k], 1e-6) << "after batch " << k + 1;
    EXPECT_NEAR(bn->running_var.item(), 2.0, 1e-6);  // unbiased var of every batch is 2; (1 + 2)/2, ...
  }
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 3);
}

TEST(BatchNormOptions, WithoutRunningStatsUsesTheBatchInEval) {
  nn::BatchNorm1d bn(nn::BatchNorm1dOptions(2).track_running_stats(false));
  EXPECT_FALSE(bn->running_mean.defined());
  EXPECT_TRUE(bn->named_buffers().empty());
  EXPECT_EQ(bn->state_dict().size(), 2u);  // weight and bias only
  EXPECT_EQ(bn->repr(), "BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=False)");
  Tensor x = ag::tensor({{1.0, 10.0}, {3.0, 30.0}});
  Tensor train = bn(x);
  bn->eval();
  EXPECT_TRUE(bn(x).allclose(train));
  EXPECT_NEAR(train[0][0].item(), -1 / std::sqrt(1 + 1e-5), 1e-6);
  // [N, C, L] input, and the gradient through the layer.
  nn::BatchNorm1d seq(nn::BatchNorm1dOptions(3).momentum(0.3));
  seq->to(ag::kFloat64);
  EXPECT_GRADCHECK([&](const TensorList& in) { return seq(in[0]); }, {leaf({4, 3, 5}, 3)});
  EXPECT_NE(error_of([&] { seq(ag::randn({2, 3, 4, 4})); }).find("BatchNorm1d: expected 2-d or 3-d input"),
            std::string::npos);
}

TEST(Dropout2d, ZeroesWholeChannelsWithTheGlobalStream) {
  const double p = 0.4;
  Tensor x = ag::rand({5, 8, 3, 2}) + 1.0;
  ag::manual_seed(21);
  nn::Dropout2d drop{nn::Dropout2dOptions(p)};
  Tensor y = drop(x);
  // One double uniform per (n, c) in order, kept when u < 1 − p, scaled by 1/(1−p).
  ag::Generator g(21);
  const float scale = 1.0f / static_cast<float>(1 - p);
  std::vector<double> xv = values(x), yv = values(y);
  int dropped = 0;
  for (int64_t nc = 0; nc < 40; ++nc) {
    const bool keep = g.uniform_double(0, 1) < 1 - p;
    dropped += !keep;
    for (int64_t s = 0; s < 6; ++s)
      ASSERT_EQ(yv[nc * 6 + s], keep ? static_cast<double>(static_cast<float>(xv[nc * 6 + s]) * scale) : 0.0)
          << "channel " << nc;
  }
  EXPECT_GT(dropped, 5);
  EXPECT_LT(dropped, 35);
  drop->eval();
  EXPECT_TRUE(drop(x).equal(x));
  EXPECT_EQ(drop->repr(), "Dropout2d(p=0.4, inplace=False)");
  EXPECT_EQ(nn::Dropout2d(nn::Dropout2dOptions().inplace(true))->repr(), "Dropout2d(p=0.5, inplace=True)");
  // Unbatched [C, H, W]: one draw per channel.
  ag::manual_seed(3);
  Tensor u = F::dropout2d(ag::ones({6, 2, 2}), 0.5);
  for (int64_t c = 0; c < 6; ++c) EXPECT_EQ(u[c].min().item(), u[c].max().item()) << c;
  EXPECT_TRUE(F::dropout2d(x, 1.0).equal(ag::zeros_like(x)));
  EXPECT_NE(error_of([&] { F::dropout2d(ag::ones({4, 4}), 0.5); }).find("dropout2d: expected a 3-D"), std::string::npos);
  EXPECT_THROW(nn::Dropout2d(1.5), std::invalid_argument);
}

TEST(Dropout2d, Gradcheck) {
  Tensor x = leaf({2, 3, 2, 2}, 5);
  EXPECT_GRADCHECK([](const TensorList& in) {
    ag::manual_seed(9);  // the same mask on every evaluation
    return F::dropout2d(in[0], 0.5, true);
  }, {x});
  EXPECT_GRADCHECK([](const TensorList& in) {
    ag::manual_seed(9);
    return F::dropout2d(in[0].transpose(2, 3), 0.3, true);
  }, {x});
}

TEST(DropoutOptions, ValueAndOptionsForms) {
  EXPECT_EQ(nn::Dropout(nn::DropoutOptions(0.2))->repr(), "Dropout(p=0.2, inplace=False)");
  EXPECT_EQ(nn::Dropout(0.2)->repr(), "Dropout(p=0.2, inplace=False)");
  EXPECT_EQ(nn::Dropout()->repr(), "Dropout(p=0.5, inplace=False)");
  EXPECT_EQ(nn::Dropout(nn::DropoutOptions().p(0.1).inplace(true))->options.p(), 0.1);
  // inplace computes out of place: the input keeps its values.
  ag::manual_seed(1);
  Tensor x = ag::ones({100});
  Tensor y = nn::Dropout(nn::DropoutOptions(0.5).inplace(true))(x);
  EXPECT_TRUE(x.equal(ag::ones({100})));
  EXPECT_FALSE(y.equal(x));
}

TEST(ActivationOptions, ReLUAndLeakyReLU) {
  Tensor x = ag::tensor({-2.0, 0.0, 3.0});
  nn::LeakyReLU leaky(nn::LeakyReLUOptions().negative_slope(0.2));
  EXPECT_TRUE(leaky(x).allclose(ag::tensor({-0.4, 0.0, 3.0})));
  EXPECT_EQ(leaky->repr(), "LeakyReLU(negative_slope=0.2)");
  EXPECT_EQ(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true))->repr(),
            "LeakyReLU(negative_slope=0.2, inplace=True)");
  EXPECT_EQ(nn::LeakyReLU()->options.negative_slope(), 0.01);
  EXPECT_EQ(nn::LeakyReLU(0.3)->options.negative_slope(), 0.3);
  // The slope's gradient below zero and at zero (PyTorch takes the slope at 0).
  Tensor xl = ag::tensor({-2.0, 0.0, 3.0}).requires_grad_();
  leaky(xl).sum().backward();
  EXPECT_TRUE(xl.grad().allclose(ag::tensor({0.2, 0.2, 1.0})));
  EXPECT_GRADCHECK([&](const TensorList& in) { return leaky(in[0]); }, {leaf({3, 4}, 2)});
  EXPECT_GRADCHECK([](const TensorList& in) { return F::leaky_relu(in[0], 0.2); }, {leaf({5}, 3)});

  nn::ReLU relu(nn::ReLUOptions().inplace(true));
  EXPECT_EQ(relu->repr(), "ReLU(inplace=True)");
  EXPECT_EQ(nn::ReLU()->repr(), "ReLU()");
  EXPECT_EQ(nn::ReLU(true)->repr(), "ReLU(inplace=True)");
  EXPECT_TRUE(relu(x).equal(ag::tensor({0.0, 0.0, 3.0})));
  EXPECT_TRUE(x.equal(ag::tensor({-2.0, 0.0, 3.0})));  // out of place
}

TEST(FunctionalOptions, SameAsThePositionalForms) {
  ag::manual_seed(6);
  Tensor x = ag::randn({2, 4, 6, 6}), w = ag::randn({6, 2, 3, 3}), b = ag::randn({6});
  EXPECT_TRUE(F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).stride(2).padding(1).groups(2))
                  .equal(F::conv2d(x, w, b, 2, 1, 1, 2)));
  EXPECT_TRUE(F::conv2d(x, w, F::Conv2dFuncOptions().dilation(2).groups(2)).equal(F::conv2d(x, w, Tensor(), 1, 0, 2, 2)));
  Tensor wt = ag::randn({4, 3, 4, 4});
  EXPECT_TRUE(F::conv_transpose2d(x, wt, F::ConvTranspose2dFuncOptions().stride(2).padding(1).output_padding(1))
                  .equal(F::conv_transpose2d(x, wt, Tensor(), 2, 1, 1)));
  EXPECT_TRUE(F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2).padding(1)).equal(F::max_pool2d(x, 3, 2, 1)));
  EXPECT_TRUE(F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).count_include_pad(false).padding(1))
                  .equal(F::avg_pool2d(x, 2, 2, 1, false, false)));
}
