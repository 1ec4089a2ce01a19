// Activations: values at documented points, PyTorch's gradients at 0,
// softmax stability, and float64 gradchecks (contiguous and strided).
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"
#include "ag/nn/nn.h"
#include "ops/gradcheck_util.h"

namespace nn = ag::nn;
namespace F = ag::nn::functional;
using agtest::leaf;

TEST(Activation, ReluAndLeakyReluGradientsAtZero) {
  auto x = ag::tensor({-2., 0., 3.}, ag::requires_grad());
  nn::ReLU()(x).sum().backward();
  EXPECT_TRUE(x.grad().equal(ag::tensor({0., 0., 1.})));
  x.mutable_grad().reset();
  auto y = nn::LeakyReLU()(x);
  EXPECT_TRUE(y.allclose(ag::tensor({-0.02, 0., 3.})));
  y.sum().backward();
  // PyTorch: x > 0 ? g : g·slope, so x == 0 takes the slope.
  EXPECT_TRUE(x.grad().allclose(ag::tensor({0.01, 0.01, 1.})));
  EXPECT_TRUE(F::leaky_relu(x, 0.2).allclose(ag::tensor({-0.4, 0., 3.})));
}

TEST(Activation, GeluMatchesErfAndTanhForms) {
  auto x = ag::tensor({-1., 0., 1., 2.5}, ag::kFloat64);
  auto exact = F::gelu(x);
  auto tanh_form = F::gelu(x, "tanh");
  const double* e = exact.data_ptr<double>();
  const double* t = tanh_form.data_ptr<double>();
  const double xs[] = {-1, 0, 1, 2.5};
  for (int i = 0; i < 4; ++i) {
    double v = xs[i];
    EXPECT_NEAR(e[i], v * 0.5 * (1 + std::erf(v / std::sqrt(2.0))), 1e-15);
    EXPECT_NEAR(t[i], 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))), 1e-15);
  }
  EXPECT_NEAR(e[2], 0.8413447460685429, 1e-15);  // Φ(1)
  EXPECT_NEAR(t[2], 0.8411919906082768, 1e-15);
  EXPECT_THROW(F::gelu(x, "fast"), std::invalid_argument);
  EXPECT_THROW(nn::GELU("erf"), std::invalid_argument);
}

TEST(Activation, GradcheckPointwise) {
  auto x = leaf({3, 4}, 1, -3, 3);
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return nn::ReLU()(in[0]); }, {x});
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return nn::Sigmoid()(in[0]); }, {x});
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return nn::Tanh()(in[0]); }, {x});
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return nn::LeakyReLU(0.1)(in[0]); }, {x});
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return nn::GELU()(in[0]); }, {x});
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return nn::GELU("tanh")(in[0]); }, {x});
  // Strided input: a transposed view.
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return F::gelu(in[0].t()); }, {x});
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return F::leaky_relu(in[0].t(), 0.3); }, {x});
}

TEST(Activation, SoftmaxIsStableAndNormalised) {
  auto big = ag::tensor({{1000., 1001., 1002.}, {-1000., -1000., -1000.}});
  auto p = F::softmax(big, 1);
  auto expected = F::softmax(ag::tensor({{0., 1., 2.}, {0., 0., 0.}}), 1);
  EXPECT_TRUE(p.allclose(expected, 1e-6, 1e-7)) << p;
  EXPECT_TRUE(p.sum({1}).allclose(ag::ones({2})));
  auto lp = F::log_softmax(big, 1);
  EXPECT_TRUE(lp.allclose(F::log_softmax(ag::tensor({{0., 1., 2.}, {0., 0., 0.}}), 1), 1e-6, 1e-6)) << lp;
  EXPECT_NEAR(lp.index({1, 0}).item(), -std::log(3.0), 1e-6);
  // log_softmax does not underflow where log(softmax) would.
  auto far = F::log_softmax(ag::tensor({0., 200.}), 0);
  EXPECT_NEAR(far.index({0}).item(), -200.0, 1e-4);
  EXPECT_TRUE(std::isinf(F::softmax(ag::tensor({0., 200.}), 0).log().index({0}).item()));
}

TEST(Activation, SoftmaxAlongEveryDimMatchesComposition) {
  ag::manual_seed(2);
  auto x = ag::randn({3, 4, 5}, ag::kFloat64);
  for (int64_t d : {0, 1, 2, -1}) {
    auto e = (x - std::get<0>(x.max(d, true))).exp();
    EXPECT_TRUE(F::softmax(x, d).allclose(e / e.sum({d}, true), 1e-12, 1e-12)) << "dim " << d;
    EXPECT_TRUE(F::log_softmax(x, d).allclose((e / e.sum({d}, true)).log(), 1e-12, 1e-12)) << "dim " << d;
  }
  EXPECT_TRUE(nn::Softmax(0)(ag::scalar_tensor(3.0)).equal(ag::scalar_tensor(1.0)));
  EXPECT_THROW(F::softmax(x, 3), std::out_of_range);
  EXPECT_THROW(F::softmax(ag::tensor({1, 2}), 0), std::invalid_argument);
}

TEST(Activation, GradcheckSoftmaxFamily) {
  auto x = leaf({2, 3, 4}, 3, -2, 2);
  for (int64_t d : {0, 1, 2}) {
    EXPECT_GRADCHECK([d](const ag::TensorList& in) { return nn::Softmax(d)(in[0]); }, {x});
    EXPECT_GRADCHECK([d](const ag::TensorList& in) { return nn::LogSoftmax(d)(in[0]); }, {x});
  }
  // Strided input (a permuted view).
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return F::log_softmax(in[0].permute({2, 0, 1}), 1); }, {x});
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return F::softmax(in[0].transpose(0, 2), -1); }, {x});
}

TEST(Activation, FlattenAndIdentity) {
  auto x = ag::randn({2, 3, 4});
  EXPECT_EQ(nn::Flatten()(x).sizes(), (ag::Dims{2, 12}));
  EXPECT_EQ(nn::Flatten(0, 1)(x).sizes(), (ag::Dims{6, 4}));
  EXPECT_TRUE(nn::Identity()(x).is_same(x));
  auto xd = leaf({2, 3, 2}, 4);
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return nn::Flatten()(in[0].transpose(1, 2)); }, {xd});
}
