// Optimizer state dicts: keyed by parameter name, a copy of the state, and a
// save / load into a fresh optimizer continues bitwise like an uninterrupted run.
// Loading fails on the first difference and then changes nothing.
#include <functional>
#include <memory>

#include "optim/reference.h"

using namespace optim_test;
using ag::optim::Adam;
using ag::optim::AdamW;
using ag::NamedTensors;
using ag::optim::Optimizer;
using ag::optim::OptimizerStateDict;
using ag::optim::ParamGroup;
using ag::optim::RMSprop;
using ag::optim::SGD;

namespace {

using Factory = std::function<std::unique_ptr<Optimizer>(const NamedTensors&)>;

NamedTensors fresh_params() {
  ag::Tensor w = ag::from_vector(std::vector<float>{0.5f, -1.0f, 2.0f, 0.25f, -0.75f, 1.5f}, {2, 3});
  ag::Tensor b = ag::from_vector(std::vector<float>{0.1f, -0.2f, 0.3f}, {3});
  w.requires_grad_(true);
  b.requires_grad_(true);
  return {{"w", w}, {"b", b}};
}

NamedTensors copies(const NamedTensors& ps) {
  NamedTensors out;
  for (const auto& [name, t] : ps) {
    ag::Tensor c = t.detach().clone();
    c.requires_grad_(true);
    out.insert(name, c);
  }
  return out;
}

// Gradients that depend on the parameters; "b" gets one only on even steps, so the two
// parameters' step counts differ.
void set_grads(NamedTensors& ps, int step) {
  ag::NoGradGuard no_grad;
  ps[0].second.mutable_grad() = ps[0].second.detach() * 0.5 - 0.1 * step + 0.3;
  if (step % 2 == 0) ps[1].second.mutable_grad() = ps[1].second.detach() * -2.0 + 0.05 * step;
  else ps[1].second.mutable_grad().reset();
}

void run(Optimizer& opt, NamedTensors& ps, int from, int to) {
  for (int s = from; s < to; ++s) {
    set_grads(ps, s);
    opt.step();
  }
}

void expect_bitwise_equal(const NamedTensors& a, const NamedTensors& b) {
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i].second.equal(b[i].second)) << a[i].first;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no invalid_argument)";
}

std::vector<std::pair<std::string, Factory>> cases() {
  return {
      {"SGD nesterov", [](const NamedTensors& p) {
         return std::make_unique<SGD>(p, ag::optim::SGDOptions(0.05).momentum(0.9).weight_decay(0.01).nesterov(true));
       }},
      {"SGD dampened", [](const NamedTensors& p) {
         return std::make_unique<SGD>(p, ag::optim::SGDOptions(0.05).momentum(0.5).dampening(0.2));
       }},
      {"Adam amsgrad", [](const NamedTensors& p) {
         return std::make_unique<Adam>(p, ag::optim::AdamOptions(0.05).weight_decay(0.01).amsgrad(true));
       }},
      {"AdamW two groups", [](const NamedTensors& p) {
         return std::make_unique<AdamW>(
             std::vector<ParamGroup>{ParamGroup(NamedTensors{p[0]}), ParamGroup(NamedTensors{p[1]}, {{"lr", 0.2}})},
             ag::optim::AdamWOptions(0.05));
       }},
      {"RMSprop centered momentum", [](const NamedTensors& p) {
         return std::make_unique<RMSprop>(p, ag::optim::RMSpropOptions(0.01).momentum(0.9).centered(true));
       }},
  };
}

}  // namespace

TEST(OptimizerStateDict, ResumeIsBitwiseIdenticalToAnUninterruptedRun) {
  for (const auto& [label, make] : cases()) {
    SCOPED_TRACE(label);
    NamedTensors straight = fresh_params();
    auto a = make(straight);
    run(*a, straight, 0, 12);

    NamedTensors first = fresh_params();
    auto b = make(first);
    run(*b, first, 0, 5);
    const OptimizerStateDict saved = b->state_dict();

    NamedTensors resumed = copies(first);
    auto c = make(resumed);
    c->load_state_dict(saved);
    run(*c, resumed, 5, 12);
    expect_bitwise_equal(straight, resumed);

    const OptimizerStateDict end_a = a->state_dict(), end_c = c->state_dict();
    for (const auto& [name, ps] : end_a.state) {
      ASSERT_TRUE(end_c.state.count(name)) << name;
      EXPECT_EQ(ps.step, end_c.state.at(name).step) << name;
      for (const auto& [buf, t] : ps.buffers) EXPECT_TRUE(t.equal(end_c.state.at(name).buffers.at(buf))) << name << "." << buf;
    }
  }
}

TEST(OptimizerStateDict, IsKeyedByNameAndHoldsCopies) {
  NamedTensors ps = fresh_params();
  Adam opt(ps, ag::optim::AdamOptions(0.1).amsgrad(true));
  run(opt, ps, 0, 3);  // "w" steps 3 times, "b" on steps 0 and 2
  OptimizerStateDict sd = opt.state_dict();
  EXPECT_EQ(sd.type, "Adam");
  ASSERT_EQ(sd.param_groups.size(), 1u);
  EXPECT_EQ(sd.param_groups[0].params, (std::vector<std::string>{"w", "b"}));
  EXPECT_EQ(sd.param_groups[0].options.at("lr"), 0.1);
  EXPECT_EQ(sd.param_groups[0].options.at("amsgrad"), 1.0);
  EXPECT_EQ(sd.state.at("w").step, 3);
  EXPECT_EQ(sd.state.at("b").step, 2);
  EXPECT_EQ(sd.state.at("w").buffers.size(), 3u);
  EXPECT_EQ(sd.state.at("w").buffers.at("exp_avg").sizes(), (ag::Dims{2, 3}));

  const ag::Tensor saved_m = sd.state.at("w").buffers.at("exp_avg").clone();
  run(opt, ps, 3, 5);
  EXPECT_TRUE(sd.state.at("w").buffers.at("exp_avg").equal(saved_m));  // later steps do not reach the dict
}

TEST(OptimizerStateDict, UnnamedParametersAreNamedByPosition) {
  ag::Tensor a = param({1.0}), b = param({2.0});
  SGD opt({a, b}, ag::optim::SGDOptions().momentum(0.9));
  a.mutable_grad() = ag::ones({1}, ag::kFloat64);
  opt.step();
  OptimizerStateDict sd = opt.state_dict();
  EXPECT_EQ(sd.param_groups[0].params, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(sd.state.size(), 1u);  // "1" never stepped, so it has no entry (as in PyTorch)
  EXPECT_TRUE(sd.state.count("0"));
}

TEST(OptimizerStateDict, LoadReplacesExistingStateAndHyperparameters) {
  NamedTensors ps = fresh_params();
  Adam only_w(NamedTensors{ps[0], ps[1]}, ag::optim::AdamOptions(0.3));
  ps[0].second.mutable_grad() = ag::ones({2, 3});
  only_w.step();
  const OptimizerStateDict sd = only_w.state_dict();  // state for "w" only, lr 0.3

  NamedTensors qs = copies(ps);
  Adam opt(qs, ag::optim::AdamOptions(0.1));
  run(opt, qs, 0, 4);
  ASSERT_EQ(opt.state(0, 1).step, 2);
  opt.load_state_dict(sd);
  EXPECT_EQ(opt.state(0, 0).step, 1);
  EXPECT_EQ(opt.state(0, 1).step, 0);  // the old state of "b" is gone, not merged
  EXPECT_TRUE(opt.state(0, 1).buffers.empty());
  EXPECT_EQ(opt.param_groups()[0].lr(), 0.3);
}

TEST(OptimizerStateDict, LoadConvertsBuffersToTheParameterDtype) {
  NamedTensors ps = fresh_params();  // float32
  Adam opt(ps);
  run(opt, ps, 0, 2);
  OptimizerStateDict sd = opt.state_dict();
  for (auto& [name, st] : sd.state)
    for (auto& [buf, t] : st.buffers) t = t.to(ag::kFloat64);
  Adam other(copies(ps));
  other.load_state_dict(sd);
  EXPECT_EQ(other.state(0, 0).buffers[Adam::kExpAvg].dtype(), ag::kFloat32);
  EXPECT_TRUE(other.state(0, 0).buffers[Adam::kExpAvg].equal(opt.state(0, 0).buffers[Adam::kExpAvg]));
}

TEST(OptimizerStateDict, LoadFailsOnTheFirstDifferenceAndChangesNothing) {
  NamedTensors ps = fresh_params();
  Adam opt(ps, ag::optim::AdamOptions(0.1));
  run(opt, ps, 0, 3);
  const OptimizerStateDict good = opt.state_dict();
  const ag::Tensor m_before = opt.state(0, 0).buffers[Adam::kExpAvg].clone();

  auto expect_error = [&](const OptimizerStateDict& sd, const std::string& want) {
    const std::string e = error_of([&] { opt.load_state_dict(sd); });
    EXPECT_NE(e.find(want), std::string::npos) << "got: " << e << "\nwanted: " << want;
    EXPECT_EQ(opt.state(0, 0).step, 3);
    EXPECT_TRUE(opt.state(0, 0).buffers[Adam::kExpAvg].equal(m_before));
    EXPECT_EQ(opt.param_groups()[0].lr(), 0.1);
  };

  {
    NamedTensors qs = copies(ps);
    SGD sgd(qs);
    expect_error(sgd.state_dict(), "the state dict was saved by SGD, this optimizer is Adam");
    AdamW adamw(qs);
    expect_error(adamw.state_dict(), "saved by AdamW");
  }
  OptimizerStateDict sd = good;
  sd.param_groups.push_back(sd.param_groups[0]);
  expect_error(sd, "the state dict has 2 param groups, this optimizer has 1");

  sd = good;
  sd.param_groups[0].params = {"w"};
  expect_error(sd, "parameter 'b' (param group 0) is missing from the state dict");

  sd = good;
  sd.param_groups[0].params.push_back("extra");
  expect_error(sd, "unexpected parameter 'extra' in param group 0");

  sd = good;
  sd.state["ghost"] = sd.state.at("w");
  expect_error(sd, "unexpected parameter 'ghost'");

  sd = good;
  sd.state.at("w").buffers.at("exp_avg") = ag::zeros({3});
  expect_error(sd, "state 'exp_avg' of parameter 'w' has shape [3] but the parameter has shape [2, 3]");

  sd = good;
  sd.state.at("w").buffers["momentum_buffer"] = ag::zeros({2, 3});
  expect_error(sd, "unexpected state 'momentum_buffer' for parameter 'w'");

  sd = good;
  sd.state.at("w").buffers.erase("exp_avg_sq");
  expect_error(sd, "parameter 'w' has taken 3 steps but its state has no 'exp_avg_sq'");

  sd = good;
  sd.param_groups[0].options["lr"] = -1;
  expect_error(sd, "invalid lr");

  sd = good;
  sd.param_groups[0].options["momentum"] = 0.9;
  expect_error(sd, "unknown hyperparameter 'momentum'");

  opt.load_state_dict(good);  // the good dict still loads
  EXPECT_EQ(opt.state(0, 0).step, 3);
}

// Moments of parameters from 4 MiB up live on their own huge-page mappings
// (long_lived_buffer.h): they must start at zero and load as copies like any other.
TEST(OptimizerStateDict, LargeParametersStartAtZeroAndLoadAsCopies) {
  const int64_t n = int64_t{3} << 20;  // 12 MiB of float32
  ag::Tensor w = ag::zeros({n}).requires_grad_(true);
  Adam opt(NamedTensors{{"w", w}}, ag::optim::AdamOptions(0.1));
  w.mutable_grad() = ag::full({n}, 2.0);
  opt.step();
  const ag::Tensor m = opt.state(0, 0).buffers[0];
  ASSERT_TRUE(m.defined());
  // exp_avg = (1 - beta1) * grad from zero: 0.2 in float32, on every element.
  EXPECT_TRUE(m.equal(ag::full({n}, 0.2f))) << "first " << m.index({0}).item<float>() << ", last " << m.index({n - 1}).item<float>();

  OptimizerStateDict sd = opt.state_dict();
  ag::Tensor v = ag::zeros({n}).requires_grad_(true);
  Adam other(NamedTensors{{"w", v}}, ag::optim::AdamOptions(0.1));
  other.load_state_dict(sd);
  const ag::Tensor loaded = other.state(0, 0).buffers[0];
  EXPECT_TRUE(loaded.equal(m));
  EXPECT_NE(loaded.data_ptr(), sd.state.at("w").buffers.at("exp_avg").data_ptr());
  w.mutable_grad() = ag::full({n}, -2.0);
  opt.step();  // the source moves on; the loaded copy does not
  EXPECT_TRUE(loaded.equal(ag::full({n}, 0.2f)));
}

TEST(OptimizerStateDict, LoadingAnRvalueTakesTheBuffersOver) {
  ag::Tensor w = ag::zeros({4, 3}).requires_grad_(true);
  Adam opt(NamedTensors{{"w", w}}, ag::optim::AdamOptions(0.1));
  w.mutable_grad() = ag::full({4, 3}, 2.0);
  opt.step();
  OptimizerStateDict sd = opt.state_dict();
  const void* exp_avg = sd.state.at("w").buffers.at("exp_avg").data_ptr();
  // exp_avg_sq arrives as float64: it must be converted, so it is copied.
  sd.state.at("w").buffers.at("exp_avg_sq") = sd.state.at("w").buffers.at("exp_avg_sq").to(ag::kFloat64);
  const void* exp_avg_sq = sd.state.at("w").buffers.at("exp_avg_sq").data_ptr();

  ag::Tensor v = w.detach().clone().requires_grad_(true);
  Adam other(NamedTensors{{"v", v}}, ag::optim::AdamOptions(0.1));
  OptimizerStateDict renamed = sd;
  renamed.param_groups[0].params = {"v"};
  renamed.state = {{"v", sd.state.at("w")}};
  other.load_state_dict(std::move(renamed));
  const ag::optim::ParamState& st = other.state(0, 0);
  EXPECT_EQ(st.buffers[0].data_ptr(), exp_avg) << "exp_avg was copied, not taken over";
  EXPECT_NE(st.buffers[1].data_ptr(), exp_avg_sq);
  EXPECT_EQ(st.buffers[1].dtype(), ag::kFloat32);
  EXPECT_TRUE(st.buffers[0].equal(opt.state(0, 0).buffers[0]));
  EXPECT_TRUE(st.buffers[1].equal(opt.state(0, 0).buffers[1]));

  // Both then step the same: taking over changes where the state lives, not what it is.
  v.mutable_grad() = ag::full({4, 3}, -1.0);
  w.mutable_grad() = ag::full({4, 3}, -1.0);
  other.step();
  opt.step();
  EXPECT_TRUE(v.equal(w));
}
