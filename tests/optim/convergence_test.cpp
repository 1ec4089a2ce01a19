// Every optimizer, driven by autograd, fits a linear regression and minimises
// a badly scaled quadratic.
#include <functional>
#include <memory>

#include "optim/reference.h"

using namespace ag::optim;

namespace {

using Factory = std::function<std::unique_ptr<Optimizer>(const ag::TensorList&)>;

struct Named {
  std::string label;
  Factory make;
  int steps;
};

std::vector<Named> optimizers() {
  return {
      {"SGD", [](const ag::TensorList& p) { return std::make_unique<SGD>(p, SGDOptions(0.1)); }, 300},
      {"SGD momentum", [](const ag::TensorList& p) { return std::make_unique<SGD>(p, SGDOptions(0.05).momentum(0.9)); }, 300},
      {"SGD nesterov", [](const ag::TensorList& p) {
         return std::make_unique<SGD>(p, SGDOptions(0.05).momentum(0.9).nesterov(true));
       }, 300},
      {"Adam", [](const ag::TensorList& p) { return std::make_unique<Adam>(p, AdamOptions(0.05)); }, 600},
      {"Adam amsgrad", [](const ag::TensorList& p) { return std::make_unique<Adam>(p, AdamOptions(0.05).amsgrad(true)); }, 600},
      {"AdamW", [](const ag::TensorList& p) { return std::make_unique<AdamW>(p, AdamWOptions(0.05).weight_decay(1e-4)); }, 600},
      {"RMSprop", [](const ag::TensorList& p) { return std::make_unique<RMSprop>(p, RMSpropOptions(0.01)); }, 600},
      {"RMSprop centered momentum", [](const ag::TensorList& p) {
         return std::make_unique<RMSprop>(p, RMSpropOptions(0.005).momentum(0.5).centered(true));
       }, 600},
  };
}

}  // namespace

TEST(Convergence, EveryOptimizerFitsALinearRegression) {
  for (const Named& o : optimizers()) {
    SCOPED_TRACE(o.label);
    ag::manual_seed(0);
    const ag::Tensor X = ag::randn({64, 3});
    const ag::Tensor w_true = ag::tensor({{2.0}, {-1.0}, {0.5}});
    const ag::Tensor y = X.matmul(w_true) + 0.3;
    ag::Tensor w = ag::zeros({3, 1}).requires_grad_(true);
    ag::Tensor b = ag::zeros({1}).requires_grad_(true);
    auto opt = o.make({w, b});
    double loss = 0;
    for (int i = 0; i < o.steps; ++i) {
      opt->zero_grad();
      ag::Tensor r = X.matmul(w) + b - y;
      ag::Tensor l = (r * r).mean();
      l.backward();
      opt->step();
      loss = l.item();
    }
    EXPECT_LT(loss, 1e-4);
    const optim_test::Values wv = optim_test::values(w);
    EXPECT_NEAR(wv[0], 2.0, 1e-2);
    EXPECT_NEAR(wv[1], -1.0, 1e-2);
    EXPECT_NEAR(wv[2], 0.5, 1e-2);
    EXPECT_NEAR(optim_test::values(b)[0], 0.3, 1e-2);
  }
}

TEST(Convergence, EveryOptimizerMinimisesAQuadratic) {
  // f(p) = sum(a * (p - c)^2) with curvatures 1 to 4: minimum at c.
  const ag::Tensor a = ag::tensor({1.0, 2.0, 4.0});
  const ag::Tensor c = ag::tensor({0.5, -1.5, 2.0});
  for (const Named& o : optimizers()) {
    SCOPED_TRACE(o.label);
    ag::Tensor p = ag::zeros({3}).requires_grad_(true);
    auto opt = o.make({p});
    for (int i = 0; i < o.steps; ++i) {
      opt->zero_grad();
      ag::Tensor d = p - c;
      (a * d * d).sum().backward();
      opt->step();
    }
    const optim_test::Values pv = optim_test::values(p);
    EXPECT_NEAR(pv[0], 0.5, 2e-2);
    EXPECT_NEAR(pv[1], -1.5, 2e-2);
    EXPECT_NEAR(pv[2], 2.0, 2e-2);
  }
}
