// End-to-end learning with plain gradient descent written here (no optimizer
// class): XOR to 100% and a synthetic 10-class problem to at least 95%.
#include <gtest/gtest.h>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace nn = ag::nn;
namespace F = ag::nn::functional;

namespace {
void gradient_descent_step(nn::Module& model, double lr) {
  {
    ag::NoGradGuard no_grad;
    for (ag::Tensor p : model.parameters()) p.sub_(p.grad(), lr);
  }
  model.zero_grad();
}

double accuracy(const ag::Tensor& predicted, const ag::Tensor& labels) {
  return (predicted == labels).to(ag::kFloat64).mean().item();
}
}  // namespace

TEST(Training, MlpLearnsXor) {
  ag::manual_seed(0);
  auto x = ag::tensor({{0., 0.}, {0., 1.}, {1., 0.}, {1., 1.}});
  auto y = ag::tensor({{0.}, {1.}, {1.}, {0.}});
  nn::Sequential model{nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 1)};
  nn::BCEWithLogitsLoss loss_fn;
  double first = 0, last = 0;
  for (int step = 0; step < 2000; ++step) {
    auto loss = loss_fn(model(x), y);
    if (step == 0) first = loss.item();
    last = loss.item();
    loss.backward();
    gradient_descent_step(*model, 0.5);
  }
  ag::NoGradGuard no_grad;
  auto predicted = (model(x) > 0.0).to(ag::kFloat32);
  EXPECT_EQ(accuracy(predicted, y), 1.0) << model(x);
  EXPECT_LT(last, first / 10);
}

TEST(Training, MlpClassifiesTenGaussianClusters) {
  ag::manual_seed(1);
  const int64_t n = 600, dims = 20, classes = 10;
  auto centers = ag::randn({classes, dims}) * 1.5;
  auto labels = ag::randint(0, classes, {n});
  auto noise = ag::randn({n, dims});
  std::vector<float> xs(static_cast<size_t>(n * dims));
  for (int64_t i = 0; i < n; ++i) {
    int64_t c = labels.data_ptr<int64_t>()[i];
    for (int64_t d = 0; d < dims; ++d)
      xs[i * dims + d] = centers.data_ptr<float>()[c * dims + d] + noise.data_ptr<float>()[i * dims + d];
  }
  auto x = ag::from_vector(xs, {n, dims});
  nn::Sequential model{nn::Linear(dims, 64), nn::ReLU(), nn::Dropout(0.1), nn::Linear(64, classes)};
  nn::CrossEntropyLoss loss_fn;
  for (int step = 0; step < 300; ++step) {
    loss_fn(model(x), labels).backward();
    gradient_descent_step(*model, 0.2);
  }
  model->eval();
  ag::NoGradGuard no_grad;
  double acc = accuracy(model(x).argmax(1), labels);
  EXPECT_GE(acc, 0.95);
}
