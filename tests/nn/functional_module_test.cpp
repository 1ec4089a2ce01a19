// Functional: a function of a tensor (with bound extra arguments) as a module.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace nn = ag::nn;
namespace F = ag::nn::functional;

TEST(Functional, CallsTheFunction) {
  auto x = ag::tensor({-2.0, 0.5, 3.0}, ag::kFloat64);
  nn::Functional relu(ag::relu);
  EXPECT_TRUE(relu(x).equal(ag::tensor({0.0, 0.5, 3.0}, ag::kFloat64)));
  nn::Functional lambda([](ag::Tensor t) { return t * t; });
  EXPECT_TRUE(lambda(x).equal(ag::tensor({4.0, 0.25, 9.0}, ag::kFloat64)));
}

TEST(Functional, BindsExtraArgumentsAfterTheInput) {
  auto x = ag::tensor({-2.0, 0.5}, ag::kFloat64);
  nn::Functional leaky(F::leaky_relu, 0.2);  // libtorch: Functional(torch::leaky_relu, 0.2)
  EXPECT_TRUE(leaky(x).allclose(ag::tensor({-0.4, 0.5}, ag::kFloat64), 1e-15, 1e-15));
  nn::Functional softmax(F::softmax, 0);
  double e = std::exp(2.5);  // softmax of (−2, 0.5): (1, e^2.5) / (1 + e^2.5)
  EXPECT_TRUE(softmax(x).allclose(ag::tensor({1 / (1 + e), e / (1 + e)}, ag::kFloat64), 1e-12, 1e-12));
}

TEST(Functional, InASequentialWithNoParameters) {
  ag::manual_seed(1);
  nn::Sequential seq{nn::Linear(3, 2), nn::Functional(F::leaky_relu, 0.1), nn::Functional(ag::relu)};
  EXPECT_EQ(seq->named_parameters().keys(), (std::vector<std::string>{"0.weight", "0.bias"}));
  EXPECT_TRUE(seq[1]->parameters().empty());
  auto x = ag::randn({4, 3});
  auto& lin = seq->at<nn::LinearImpl>(0);
  auto want = (x.matmul(lin.weight.t()) + lin.bias).relu();  // relu after leaky_relu is relu
  EXPECT_TRUE(seq(x).allclose(want, 1e-5, 1e-6));
  EXPECT_EQ(seq->repr(),
            "Sequential(\n"
            "  (0): Linear(in_features=3, out_features=2, bias=True)\n"
            "  (1): Functional()\n"
            "  (2): Functional()\n"
            ")");
  // Gradients flow through the wrapped function.
  seq(x).sum().backward();
  EXPECT_TRUE(lin.weight.grad().defined());
}

TEST(Functional, RefusesAnEmptyFunction) {
  EXPECT_THROW(nn::Functional(nn::FunctionalImpl::Function()), std::invalid_argument);
}

TEST(FunctionalOptions, DropoutOptionsGiveThePositionalResults) {
  namespace F = ag::nn::functional;
  ag::Tensor x = ag::tensor({{1., -2., 3.}, {0.5, 0., -1.}});
  EXPECT_TRUE(F::dropout(x, F::DropoutFuncOptions().p(0.5).training(false)).equal(x));
  ag::manual_seed(4);
  ag::Tensor a = F::dropout(ag::ones({1000}), F::DropoutFuncOptions(0.25));
  ag::manual_seed(4);
  ag::Tensor b = F::dropout(ag::ones({1000}), 0.25, true);
  EXPECT_TRUE(a.equal(b));
  EXPECT_FALSE(a.equal(ag::ones({1000})));
  ag::Tensor img = ag::ones({2, 4, 3, 3});
  EXPECT_TRUE(F::dropout2d(img, F::Dropout2dFuncOptions().training(false)).equal(img));
}
