// Linear: PyTorch's initialisation (formula and hard numbers), shapes, the
// fused op against matmul + bias, float64 gradchecks, and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"
#include "ag/nn/nn.h"
#include "ops/gradcheck_util.h"

namespace nn = ag::nn;
namespace F = ag::nn::functional;
using agtest::leaf;

TEST(Linear, InitMatchesPyTorchHardNumbers) {
  // torch.manual_seed(0); nn.Linear(4, 2)
  ag::manual_seed(0);
  nn::Linear lin(4, 2);
  auto expected_w = ag::tensor({{-0.0037, 0.2682, -0.4115, -0.3680}, {-0.1926, 0.1341, -0.0099, 0.3964}});
  auto expected_b = ag::tensor({-0.0444, 0.1323});
  EXPECT_TRUE(lin->weight.detach().allclose(expected_w, 0, 5e-5)) << lin->weight;
  EXPECT_TRUE(lin->bias.detach().allclose(expected_b, 0, 5e-5)) << lin->bias;
}

TEST(Linear, InitFollowsTheDocumentedFormula) {
  for (auto [in, out] : {std::pair<int64_t, int64_t>{4, 2}, {7, 3}, {784, 5}}) {
    ag::manual_seed(42);
    nn::Linear lin(in, out);
    // kaiming_uniform_(a=√5) in Python double arithmetic, then U(−1/√in, 1/√in) for the bias.
    ag::Generator g(42);
    const double a = std::sqrt(5.0);
    const double gain = std::sqrt(2.0 / (1 + std::pow(a, 2)));
    const double wb = std::sqrt(3.0) * (gain / std::sqrt(static_cast<double>(in)));
    const double bb = 1 / std::sqrt(static_cast<double>(in));
    const float* w = lin->weight.data_ptr<float>();
    for (int64_t i = 0; i < in * out; ++i)
      ASSERT_EQ(w[i], g.uniform_float(static_cast<float>(-wb), static_cast<float>(wb))) << "weight element " << i;
    const float* b = lin->bias.data_ptr<float>();
    for (int64_t i = 0; i < out; ++i)
      ASSERT_EQ(b[i], g.uniform_float(static_cast<float>(-bb), static_cast<float>(bb))) << "bias element " << i;
    // The next draw of the global generator is the one after the bias.
    EXPECT_EQ(ag::default_generator().random(), g.random());
  }
}

TEST(Linear, ShapesFollowNStarH) {
  nn::Linear linear(4, 2);
  EXPECT_EQ(linear->forward(ag::ones({2, 3, 4})).sizes(), (ag::Dims{2, 3, 2}));
  EXPECT_EQ(linear->forward(ag::ones({4})).sizes(), (ag::Dims{2}));
  EXPECT_EQ(linear->forward(ag::ones({0, 4})).sizes(), (ag::Dims{0, 2}));
  nn::Linear no_bias(4, 2, false);
  EXPECT_FALSE(no_bias->bias.defined());
  EXPECT_EQ(no_bias->parameters().size(), 1u);
}

TEST(Linear, FusedOpMatchesMatmulPlusBiasInValueAndGradient) {
  ag::manual_seed(5);
  auto x = ag::randn({6, 5, 7}, ag::requires_grad());
  auto w = ag::randn({3, 7}, ag::requires_grad());
  auto b = ag::randn({3}, ag::requires_grad());
  auto gy = ag::randn({6, 5, 3});
  auto y = F::linear(x, w, b);
  y.backward(gy);
  auto x2 = x.detach().clone().requires_grad_(), w2 = w.detach().clone().requires_grad_(),
       b2 = b.detach().clone().requires_grad_();
  auto y2 = x2.matmul(w2.t()) + b2;
  y2.backward(gy);
  EXPECT_TRUE(y.allclose(y2, 1e-5, 1e-5));
  EXPECT_TRUE(x.grad().allclose(x2.grad(), 1e-5, 1e-5));
  EXPECT_TRUE(w.grad().allclose(w2.grad(), 1e-5, 1e-4));
  EXPECT_TRUE(b.grad().allclose(b2.grad(), 1e-5, 1e-4));
  EXPECT_EQ(y.grad_fn()->name(), "LinearBackward0");
}

TEST(Linear, GradcheckFunctional) {
  auto fn = [](const ag::TensorList& in) { return F::linear(in[0], in[1], in.size() > 2 ? in[2] : ag::Tensor()); };
  EXPECT_GRADCHECK(fn, {leaf({2, 3}, 1), leaf({4, 3}, 2), leaf({4}, 3)});
  EXPECT_GRADCHECK(fn, {leaf({2, 2, 3}, 4), leaf({4, 3}, 5), leaf({4}, 6)});  // N,*,H
  EXPECT_GRADCHECK(fn, {leaf({3}, 7), leaf({2, 3}, 8), leaf({2}, 9)});        // 1-D input
  EXPECT_GRADCHECK(fn, {leaf({5, 3}, 10), leaf({2, 3}, 11)});                 // no bias
  // Strided operands: a transposed input and a transposed weight.
  auto xt = leaf({3, 5}, 12), wt = leaf({3, 4}, 13);
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return F::linear(in[0].t(), in[1].t(), in[2]); },
                   {xt, wt, leaf({4}, 14)});
  // A non-contiguous 3-D input (a slice) and only the weight requiring grad.
  auto big = leaf({2, 4, 6}, 15);
  EXPECT_GRADCHECK([](const ag::TensorList& in) { return F::linear(in[0].slice(2, 0, 6, 2), in[1]); },
                   {big, leaf({2, 3}, 16)});
  EXPECT_GRADCHECK([&](const ag::TensorList& in) { return F::linear(big.detach().slice(2, 0, 6, 2), in[0]); },
                   {leaf({2, 3}, 17)});
}

TEST(Linear, GradcheckModuleInFloat64) {
  nn::Linear lin(3, 2);
  lin->to(ag::kFloat64);
  EXPECT_GRADCHECK([&](const ag::TensorList& in) { return lin->forward(in[0]); },
                   {leaf({4, 3}, 1), lin->weight, lin->bias});
}

TEST(Linear, EmptyBatchGivesZeroWeightGradient) {
  nn::Linear lin(3, 2);
  lin->forward(ag::ones({0, 3})).sum().backward();
  EXPECT_EQ(lin->weight.grad().abs().sum().item(), 0.0);
  EXPECT_EQ(lin->bias.grad().abs().sum().item(), 0.0);
}

TEST(Linear, ErrorsNameShapesAndDtypes) {
  nn::Linear lin(4, 2);
  try {
    lin->forward(ag::ones({2, 5}));
    FAIL();
  } catch (const std::invalid_argument& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("[2, 5]"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 4]"), std::string::npos) << m;
  }
  EXPECT_THROW(lin->forward(ag::ones({2, 4}, ag::kFloat64)), std::invalid_argument);
  EXPECT_THROW(lin->forward(ag::scalar_tensor(1)), std::invalid_argument);
  EXPECT_THROW(F::linear(ag::ones({2, 4}), ag::ones({2, 4}), ag::ones({3})), std::invalid_argument);
  EXPECT_THROW(F::linear(ag::ones({2, 4}), ag::ones({4}), ag::Tensor()), std::invalid_argument);
  EXPECT_THROW(nn::Linear(-1, 2), std::invalid_argument);
}

TEST(Linear, BracedSequentialDrawsInListOrder) {
  // See Note [Construction order] in ag/nn/sequential.h.
  ag::manual_seed(0);
  nn::Sequential seq{nn::Linear(4, 2), nn::ReLU(), nn::Linear(2, 3)};
  ag::manual_seed(0);
  nn::Linear first(4, 2);
  nn::Linear second(2, 3);
  EXPECT_TRUE(seq->at<nn::LinearImpl>(0).weight.equal(first->weight));
  EXPECT_TRUE(seq->at<nn::LinearImpl>(2).weight.equal(second->weight));
  EXPECT_TRUE(seq->at<nn::LinearImpl>(2).bias.equal(second->bias));
}
