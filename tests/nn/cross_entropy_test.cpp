// CrossEntropyLoss and NLLLoss against a plain-loop reference of PyTorch's
// formulas (weights, ignore_index, label smoothing, the weighted mean),
// PyTorch's gradient, probability targets, N-d inputs, gradchecks and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"
#include "ag/nn/nn.h"
#include "ops/gradcheck_util.h"

namespace nn = ag::nn;
namespace F = ag::nn::functional;
using agtest::leaf;
using nn::Reduction;

namespace {

// PyTorch's cross_entropy with index targets, written out per sample in double:
// lossₙ = (1−ε)·w[yₙ]·(−log pₙ,yₙ) + ε/C·Σc w[c]·(−log pₙ,c); 'mean' divides by Σ w[yₙ].
ag::Tensor reference_ce(const ag::Tensor& logits, const ag::Tensor& target, const ag::Tensor& weight,
                        int64_t ignore, double eps, Reduction r) {
  auto x = logits.to(ag::kFloat64).contiguous();
  auto y = target.contiguous();
  const int64_t n = x.size(0), c = x.size(1);
  std::vector<double> w(static_cast<size_t>(c), 1.0);
  if (weight.defined())
    for (int64_t k = 0; k < c; ++k) w[k] = weight.to(ag::kFloat64).data_ptr<double>()[k];
  std::vector<double> losses(static_cast<size_t>(n));
  double total = 0, denom = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double* row = x.data_ptr<double>() + i * c;
    int64_t t = y.data_ptr<int64_t>()[i];
    if (t == ignore) continue;
    double mx = row[0], s = 0;
    for (int64_t k = 1; k < c; ++k) mx = std::max(mx, row[k]);
    for (int64_t k = 0; k < c; ++k) s += std::exp(row[k] - mx);
    double lse = mx + std::log(s), smooth = 0;
    for (int64_t k = 0; k < c; ++k) smooth += w[k] * (lse - row[k]);
    losses[i] = (1 - eps) * w[t] * (lse - row[t]) + eps / c * smooth;
    total += losses[i];
    denom += w[t];
  }
  if (r == Reduction::None) return ag::from_vector(losses, {n});
  return ag::scalar_tensor(r == Reduction::Sum ? total : total / denom, ag::kFloat64);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(CrossEntropy, MeanValueAndPyTorchGradient) {
  ag::manual_seed(1);
  auto x = ag::randn({5, 4}, ag::requires_grad());
  auto y = ag::tensor({0, 3, 1, 1, 2});
  auto loss = nn::CrossEntropyLoss()(x, y);
  EXPECT_NEAR(loss.item(), reference_ce(x.detach(), y, {}, -100, 0, Reduction::Mean).item(), 1e-6);
  loss.backward();
  // (softmax − onehot) / N
  auto onehot = ag::zeros({5, 4});
  for (int64_t i = 0; i < 5; ++i) onehot.index({i, y[i].item<int64_t>()}).fill_(1);
  EXPECT_TRUE(x.grad().allclose((F::softmax(x.detach(), 1) - onehot) / 5.0, 1e-6, 1e-7));
  EXPECT_EQ(loss.grad_fn()->name(), "CrossEntropyLossBackward0");
}

TEST(CrossEntropy, WeightsIgnoreIndexSmoothingMatchReference) {
  ag::manual_seed(2);
  auto x = ag::randn({6, 4}, ag::kFloat64);
  auto y = ag::tensor({0, 3, -100, 1, 2, 3});
  auto w = ag::tensor({0.5, 2., 1., 3.}, ag::kFloat64);
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    for (double eps : {0.0, 0.2})
      for (bool weighted : {false, true}) {
        auto o = nn::CrossEntropyLossOptions().weight(weighted ? w : ag::Tensor()).reduction(r).label_smoothing(eps);
        auto got = F::cross_entropy(x, y, o);
        auto want = reference_ce(x, y, o.weight(), -100, eps, r);
        EXPECT_TRUE(got.allclose(want, 1e-12, 1e-12))
            << "reduction " << int(r) << " eps " << eps << " weighted " << weighted << ": " << got << " vs " << want;
      }
  // Another ignore_index, and everything ignored: 'mean' is 0/0.
  auto y0 = ag::tensor({0, 0, 1, 2, 0, 3});
  EXPECT_TRUE(F::cross_entropy(x, y0, nn::CrossEntropyLossOptions().ignore_index(0))
                  .allclose(reference_ce(x, y0, {}, 0, 0, Reduction::Mean), 1e-12, 1e-12));
  EXPECT_TRUE(std::isnan(F::cross_entropy(x, ag::full({6}, -100, ag::kInt64)).item()));
}

TEST(CrossEntropy, ProbabilityTargets) {
  ag::manual_seed(3);
  auto x = ag::randn({3, 4}, ag::kFloat64);
  auto p = F::softmax(ag::randn({3, 4}, ag::kFloat64), 1);
  auto w = ag::tensor({1., 2., 3., 4.}, ag::kFloat64);
  auto logp = F::log_softmax(x, 1);
  EXPECT_NEAR(F::cross_entropy(x, p).item(), -(p * logp).sum().item() / 3, 1e-12);
  EXPECT_NEAR(F::cross_entropy(x, p, nn::CrossEntropyLossOptions().weight(w)).item(), -(p * logp * w).sum().item() / 3, 1e-12);
  auto smoothed = p * 0.9 + 0.1 / 4;
  EXPECT_NEAR(F::cross_entropy(x, p, nn::CrossEntropyLossOptions().reduction(Reduction::Sum).label_smoothing(0.1)).item(),
              -(smoothed * logp).sum().item(), 1e-12);
  // One-hot probabilities give the same loss as indices.
  auto y = ag::tensor({2, 0, 3});
  auto onehot = ag::zeros({3, 4}, ag::kFloat64);
  for (int64_t i = 0; i < 3; ++i) onehot.index({i, y[i].item<int64_t>()}).fill_(1);
  EXPECT_NEAR(F::cross_entropy(x, onehot).item(), F::cross_entropy(x, y).item(), 1e-12);
}

TEST(CrossEntropy, UnbatchedAndSpatialInputs) {
  ag::manual_seed(4);
  auto x = ag::randn({2, 3, 4, 5}, ag::kFloat64);  // N, C, H, W
  auto y = ag::randint(0, 3, {2, 4, 5});
  auto flat_x = x.permute({0, 2, 3, 1}).reshape({-1, 3});
  auto flat_y = y.reshape({-1});
  EXPECT_NEAR(F::cross_entropy(x, y).item(), F::cross_entropy(flat_x, flat_y).item(), 1e-12);
  auto none = F::cross_entropy(x, y, nn::CrossEntropyLossOptions().reduction(Reduction::None));
  EXPECT_EQ(none.sizes(), (ag::Dims{2, 4, 5}));
  EXPECT_TRUE(none.reshape({-1}).allclose(F::cross_entropy(flat_x, flat_y, nn::CrossEntropyLossOptions().reduction(Reduction::None)), 1e-12, 1e-12));
  // (C) logits with a 0-d target.
  auto v = ag::tensor({1., 2., 3.}, ag::kFloat64);
  auto l = F::cross_entropy(v, ag::scalar_tensor(2, ag::kInt64));
  EXPECT_EQ(l.dim(), 0);
  EXPECT_NEAR(l.item(), std::log(std::exp(1) + std::exp(2) + std::exp(3)) - 3, 1e-12);
}

TEST(CrossEntropy, LargeLogitsStayFinite) {
  auto x = ag::tensor({{10000., 0., -10000.}, {-5000., 5000., 5000.}}, ag::requires_grad());
  auto loss = F::cross_entropy(x, ag::tensor({0, 1}));
  EXPECT_NEAR(loss.item(), std::log(2.0) / 2, 1e-5);
  loss.backward();
  EXPECT_TRUE(x.grad().allclose(ag::tensor({{0., 0., 0.}, {0., -0.25, 0.25}}), 1e-6, 1e-6)) << x.grad();
}

TEST(CrossEntropy, GradcheckAllOptions) {
  auto x = leaf({4, 3}, 1, -2, 2);
  auto y = ag::tensor({2, -100, 0, 1});
  auto w = leaf({3}, 2, 0.5, 2).detach();
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    for (double eps : {0.0, 0.3})
      EXPECT_GRADCHECK([&, r, eps](const ag::TensorList& in) {
        return F::cross_entropy(in[0], y, nn::CrossEntropyLossOptions().weight(w).reduction(r).label_smoothing(eps));
      }, {x});
  // Probability targets: gradients for both the logits and the target.
  auto p = leaf({4, 3}, 3, 0, 1);
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    EXPECT_GRADCHECK([&, r](const ag::TensorList& in) {
      return F::cross_entropy(in[0], in[1], nn::CrossEntropyLossOptions().weight(w).reduction(r).label_smoothing(0.1));
    }, {x, p});
  // Spatial input, and a strided (transposed) input.
  auto xs = leaf({2, 3, 2}, 4);
  auto ys = ag::tensor({{0, 2}, {1, 1}});
  EXPECT_GRADCHECK([&](const ag::TensorList& in) { return F::cross_entropy(in[0], ys); }, {xs});
  EXPECT_GRADCHECK([&](const ag::TensorList& in) { return F::cross_entropy(in[0].t(), ag::tensor({2, 1, 0, 1}), nn::CrossEntropyLossOptions().ignore_index(1)); },
                   {leaf({3, 4}, 5)});
}

TEST(NLLLoss, ValueGradientAndEquivalence) {
  ag::manual_seed(5);
  auto x = ag::randn({4, 3}, ag::kFloat64);
  auto y = ag::tensor({2, 0, -100, 1});
  auto w = ag::tensor({1., 2., 0.5}, ag::kFloat64);
  auto lp = F::log_softmax(x, 1);
  double num = -(0.5 * lp.index({0, 2}).item() + 1 * lp.index({1, 0}).item() + 2 * lp.index({3, 1}).item());
  EXPECT_NEAR(nn::NLLLoss(nn::NLLLossOptions().weight(w))(lp, y).item(), num / (0.5 + 1 + 2), 1e-12);
  // cross_entropy == nll_loss(log_softmax) in value and gradient.
  auto a = x.clone().requires_grad_(), b = x.clone().requires_grad_();
  auto ce = F::cross_entropy(a, y, nn::CrossEntropyLossOptions().weight(w));
  auto nll = F::nll_loss(F::log_softmax(b, 1), y, nn::NLLLossOptions().weight(w));
  EXPECT_NEAR(ce.item(), nll.item(), 1e-12);
  ce.backward();
  nll.backward();
  EXPECT_TRUE(a.grad().allclose(b.grad(), 1e-12, 1e-12));
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    EXPECT_GRADCHECK([&, r](const ag::TensorList& in) { return F::nll_loss(in[0], y, nn::NLLLossOptions().weight(w).reduction(r)); },
                     {leaf({4, 3}, 6)});
}

TEST(CrossEntropy, ErrorsNameShapesAndValues) {
  auto x = ag::randn({3, 5});
  std::string m = error_of([&] { F::cross_entropy(x, ag::tensor({0, 7, 1})); });
  EXPECT_NE(m.find("target 7"), std::string::npos) << m;
  EXPECT_NE(m.find("5 classes"), std::string::npos) << m;
  EXPECT_THROW(F::cross_entropy(x, ag::tensor({0, -1, 1})), std::out_of_range);
  m = error_of([&] { F::cross_entropy(x, ag::tensor({0, 1, 1, 2})); });
  EXPECT_NE(m.find("[3, 5]"), std::string::npos) << m;
  EXPECT_NE(m.find("[4]"), std::string::npos) << m;
  m = error_of([&] { F::cross_entropy(x, ag::tensor({0., 1., 1.})); });
  EXPECT_NE(m.find("float32"), std::string::npos) << m;
  EXPECT_THROW(F::cross_entropy(x, ag::tensor({0, 1, 1}), nn::CrossEntropyLossOptions().weight(ag::ones({4}))), std::invalid_argument);
  EXPECT_THROW(F::cross_entropy(x, ag::tensor({0, 1, 1}), nn::CrossEntropyLossOptions().label_smoothing(1.5)), std::invalid_argument);
  EXPECT_THROW(F::cross_entropy(ag::scalar_tensor(1.0), ag::scalar_tensor(0, ag::kInt64)), std::invalid_argument);
  EXPECT_THROW(F::nll_loss(x, ag::tensor({0, 5, 1})), std::out_of_range);
}
