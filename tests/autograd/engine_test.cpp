// The backward engine: accumulation, graph shapes, retain_graph, hooks,
// grad mode, and the in-place check on saved tensors.
#include <gtest/gtest.h>

#include "ag/ag.h"

using ag::Tensor;

TEST(Engine, DiamondAccumulatesBothPaths) {
  auto x = ag::tensor({3.}, ag::requires_grad());
  auto h = x * 2.0;          // used twice below
  auto y = h * h + h;        // dy/dx = (2h + 1) * 2 = 26
  y.backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 26.0);
}

TEST(Engine, DeepChainDoesNotRecurse) {
  auto x = ag::tensor({1.}, ag::requires_grad());
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y + 1.0;
  y.backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 1.0);
}

TEST(Engine, NonScalarNeedsExplicitGradient) {
  auto x = ag::ones({3}, ag::requires_grad());
  auto y = x * 2.0;
  EXPECT_THROW(y.backward(), std::runtime_error);
  y.backward(ag::tensor({1., 2., 3.}));
  EXPECT_TRUE(x.grad().equal(ag::tensor({2., 4., 6.})));
  auto z = x * 2.0;
  EXPECT_THROW(z.backward(ag::ones({4})), std::invalid_argument);
}

TEST(Engine, NoGradAndDetachRecordNothing) {
  auto x = ag::ones({2}, ag::requires_grad());
  {
    ag::NoGradGuard g;
    auto y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
  }
  auto d = x.detach() * 2.0;
  EXPECT_FALSE(d.requires_grad());
  EXPECT_THROW(d.sum().backward(), std::runtime_error);
}

TEST(Engine, RetainGraphAllowsSecondBackward) {
  auto x = ag::tensor({2.}, ag::requires_grad());
  auto y = x * x;
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 8.0);
  EXPECT_THROW(y.backward(), std::runtime_error);
}

TEST(Engine, InPlaceChangeOfSavedTensorIsReported) {
  auto x = ag::tensor({1., 2.}, ag::requires_grad());
  auto w = ag::tensor({3., 4.});
  auto y = (x * w).sum();
  w.mul_(2.0);
  try {
    y.backward();
    FAIL() << "expected the in-place error";
  } catch (const std::runtime_error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("modified by an inplace operation"), std::string::npos) << m;
    EXPECT_NE(m.find("MulBackward0"), std::string::npos) << m;
  }
}

TEST(Engine, InPlaceOnLeafRequiringGradIsRefused) {
  auto x = ag::ones({2}, ag::requires_grad());
  EXPECT_THROW(x.add_(1.0), std::runtime_error);
  ag::NoGradGuard g;
  x.add_(1.0);
  EXPECT_TRUE(x.detach().equal(ag::full({2}, 2.0)));
}

TEST(Hooks, TensorHookSeesAndReplacesGradient) {
  auto x = ag::tensor({1., 2.}, ag::requires_grad());
  auto h = x * 3.0;
  Tensor seen;
  h.register_hook([&](const Tensor& g) { seen = g.clone(); return g * 10.0; });
  h.sum().backward();
  EXPECT_TRUE(seen.equal(ag::ones({2})));
  EXPECT_TRUE(x.grad().equal(ag::full({2}, 30.0)));
}

TEST(Hooks, LeafHookAndRemoval) {
  auto x = ag::tensor({1., 2.}, ag::requires_grad());
  auto id = x.register_hook([](const Tensor& g) { return g * 2.0; });
  (x * 1.0).sum().backward();
  EXPECT_TRUE(x.grad().equal(ag::full({2}, 2.0)));
  x.remove_hook(id);
  x.mutable_grad().reset();
  (x * 1.0).sum().backward();
  EXPECT_TRUE(x.grad().equal(ag::ones({2})));
}

TEST(Hooks, PostAccumulateRunsAfterGradIsFinal) {
  auto a = ag::tensor({1.}, ag::requires_grad());
  auto b = ag::tensor({2.}, ag::requires_grad());
  std::vector<std::pair<std::string, double>> log;
  a.register_post_accumulate_grad_hook([&](Tensor& p) { log.emplace_back("a", p.grad().item()); });
  b.register_post_accumulate_grad_hook([&](Tensor& p) { log.emplace_back("b", p.grad().item()); });
  auto y = a * a * b;  // a used twice: its hook must fire once, after both contributions
  y.backward();
  ASSERT_EQ(log.size(), 2u);
  for (auto& [n, v] : log) EXPECT_DOUBLE_EQ(v, n == "a" ? 4.0 : 1.0);
  EXPECT_THROW((a * 2.0).register_post_accumulate_grad_hook([](Tensor&) {}), std::runtime_error);
}

TEST(Engine, QueuedCallbackHearsOfAFailedBackward) {
  // a's first hook queues a callback; its second hook, which runs next, may throw.
  // The callback runs when backward finishes; its failure handler runs instead
  // when backward throws, and the next backward is unaffected.
  auto a = ag::tensor({1.}, ag::requires_grad());
  std::vector<std::string> log;
  bool fail = false;
  a.register_post_accumulate_grad_hook([&](Tensor&) {
    ag::autograd::queue_callback([&] { log.push_back("done"); }, [&] { log.push_back("failed"); });
  });
  a.register_post_accumulate_grad_hook([&](Tensor&) {
    if (fail) throw std::runtime_error("hook");
  });
  (a * 3.0).sum().backward();
  EXPECT_EQ(log, std::vector<std::string>{"done"});
  fail = true;
  EXPECT_THROW((a * 3.0).sum().backward(), std::runtime_error);
  EXPECT_EQ(log, (std::vector<std::string>{"done", "failed"}));
  fail = false;
  (a * 3.0).sum().backward();
  EXPECT_EQ(log, (std::vector<std::string>{"done", "failed", "done"}));
}

TEST(Engine, CallbackThatThrowsFailsTheOnesAfterIt) {
  auto a = ag::tensor({1.}, ag::requires_grad());
  std::vector<std::string> log;
  a.register_post_accumulate_grad_hook([&](Tensor&) {
    ag::autograd::queue_callback([] { throw std::runtime_error("first"); }, [&] { log.push_back("first failed"); });
    ag::autograd::queue_callback([&] { log.push_back("second done"); }, [&] { log.push_back("second failed"); });
  });
  EXPECT_THROW((a * 3.0).sum().backward(), std::runtime_error);
  EXPECT_EQ(log, std::vector<std::string>{"second failed"});
}

TEST(Hooks, RetainGradOnNonLeaf) {
  auto x = ag::tensor({1., 2.}, ag::requires_grad());
  auto h = x * 2.0;
  h.retain_grad();
  (h * h).sum().backward();
  EXPECT_TRUE(h.grad().equal(ag::tensor({4., 8.})));
}

TEST(Autograd, RequiresGradOnlyOnFloatLeaves) {
  EXPECT_THROW(ag::arange(3).requires_grad_(), std::runtime_error);
  auto x = ag::ones({2}, ag::requires_grad());
  auto y = x * 2.0;
  EXPECT_THROW(y.requires_grad_(false), std::runtime_error);
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE(y.is_leaf());
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward0");
}
