// Dropout: identity in eval mode, the mask stream from the global generator,
// scaling by 1/(1−p), and gradchecks in both modes.
#include <gtest/gtest.h>

#include "ag/ag.h"
#include "ag/nn/nn.h"
#include "ops/gradcheck_util.h"

namespace nn = ag::nn;
namespace F = ag::nn::functional;
using agtest::leaf;

TEST(Dropout, EvalModeAndDegenerateProbabilities) {
  auto x = ag::randn({4, 5});
  nn::Dropout drop(0.3);
  drop->eval();
  EXPECT_TRUE(drop(x).is_same(x));
  EXPECT_TRUE(F::dropout(x, 0.0, true).is_same(x));
  EXPECT_EQ(F::dropout(x, 1.0, true).abs().sum().item(), 0.0);
  EXPECT_THROW(nn::Dropout(1.5), std::invalid_argument);
  EXPECT_THROW(F::dropout(x, -0.1), std::invalid_argument);
}

TEST(Dropout, MaskComesFromTheGlobalGenerator) {
  const double p = 0.3;
  auto x = ag::rand({1000}) + 1.0;  // no zeros in the input
  ag::manual_seed(11);
  auto y = nn::Dropout(p)(x);
  // Expected: one double uniform per element, kept when u < 1 − p, scaled by 1/(1−p).
  ag::Generator g(11);
  const float scale = 1.0f / static_cast<float>(1 - p);
  const float* px = x.data_ptr<float>();
  const float* py = y.data_ptr<float>();
  int64_t dropped = 0;
  for (int64_t i = 0; i < 1000; ++i) {
    bool keep = g.uniform_double(0, 1) < 1 - p;
    ASSERT_EQ(py[i], keep ? px[i] * scale : 0.0f) << "element " << i;
    dropped += !keep;
  }
  EXPECT_NEAR(static_cast<double>(dropped) / 1000, p, 0.05);
  // Same seed, same mask; the module draws again on every call.
  ag::manual_seed(11);
  EXPECT_TRUE(F::dropout(x, p).equal(y));
  EXPECT_FALSE(F::dropout(x, p).equal(y));
}

TEST(Dropout, GradientIsTheScaledMask) {
  ag::manual_seed(4);
  auto x = ag::randn({50}, ag::requires_grad());
  auto y = F::dropout(x, 0.5);
  y.sum().backward();
  auto kept = (y.detach() != 0.0).to(ag::kFloat32);
  EXPECT_TRUE(x.grad().equal(kept * 2.0));
  EXPECT_EQ(y.grad_fn()->name(), "NativeDropoutBackward0");
}

TEST(Dropout, GradcheckTrainingAndEval) {
  auto x = leaf({3, 4}, 5);
  // Reseeding inside fn gives every evaluation the same mask.
  EXPECT_GRADCHECK([](const ag::TensorList& in) {
    ag::manual_seed(9);
    return F::dropout(in[0], 0.4, true);
  }, {x});
  EXPECT_GRADCHECK([](const ag::TensorList& in) {
    ag::manual_seed(9);
    return F::dropout(in[0].t(), 0.4, true);  // strided
  }, {x});
  nn::Dropout drop(0.4);
  drop->eval();
  EXPECT_GRADCHECK([&](const ag::TensorList& in) { return drop(in[0]) * 1.0; }, {x});
}
