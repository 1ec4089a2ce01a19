// LR schedulers: lr sequences against PyTorch's closed forms (to 1e-9) and a
// few by hand, chaining, state dict resume, and errors.
#include <cmath>
#include <functional>
#include <memory>
#include <numbers>

#include "optim/reference.h"

using namespace optim_test;
using namespace ag::optim;

namespace {

constexpr double kPi = std::numbers::pi;

// An SGD optimizer over one parameter per lr, one group each.
struct GroupsWithLrs {
  std::vector<ag::Tensor> params;
  std::unique_ptr<SGD> opt;
  explicit GroupsWithLrs(const std::vector<double>& lrs) {
    std::vector<ParamGroup> groups;
    for (double lr : lrs) {
      params.push_back(param({1.0}));
      groups.emplace_back(ag::TensorList{params.back()}, Hyperparameters{{"lr", lr}});
    }
    opt = std::make_unique<SGD>(std::move(groups));
  }
  double lr(size_t g = 0) const { return opt->param_groups()[g].lr(); }
};

// The lr after construction and after each of `steps` steps: epochs 0..steps.
std::vector<double> sequence(LRScheduler& s, const GroupsWithLrs& setup, int steps, size_t group = 0) {
  std::vector<double> out{setup.lr(group)};
  for (int i = 0; i < steps; ++i) {
    s.step();
    out.push_back(setup.lr(group));
    EXPECT_EQ(s.get_last_lr()[group], setup.lr(group));
  }
  return out;
}

void expect_sequence(const std::vector<double>& got, const std::function<double(int)>& closed_form) {
  for (size_t e = 0; e < got.size(); ++e) {
    const double want = closed_form(static_cast<int>(e));
    EXPECT_NEAR(got[e], want, 1e-9 * std::max(1.0, std::abs(want))) << "epoch " << e;
  }
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

TEST(StepLR, DecaysEveryStepSizeEpochs) {
  GroupsWithLrs setup({0.1, 1.0});
  StepLR s(*setup.opt, 2, 0.1);
  EXPECT_EQ(s.last_epoch(), 0);
  const auto lrs = sequence(s, setup, 7);
  expect_sequence(lrs, [](int e) { return 0.1 * std::pow(0.1, e / 2); });
  // By hand: 0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 1e-4, 1e-4
  EXPECT_NEAR(lrs[2], 0.01, 1e-15);
  EXPECT_NEAR(lrs[4], 0.001, 1e-15);
  EXPECT_NEAR(lrs[7], 1e-4, 1e-15);
  // Every group follows its own base lr.
  EXPECT_NEAR(setup.lr(1), std::pow(0.1, 3), 1e-12);
  EXPECT_EQ(s.base_lrs(), (std::vector<double>{0.1, 1.0}));
}

TEST(MultiStepLR, DecaysAtMilestonesCountingRepeats) {
  GroupsWithLrs setup({0.5});
  MultiStepLR s(*setup.opt, {6, 2, 6}, 0.5);
  expect_sequence(sequence(s, setup, 9), [](int e) { return 0.5 * std::pow(0.5, (e >= 2) + 2 * (e >= 6)); });
}

TEST(CosineAnnealingLR, FollowsTheCosineThroughSeveralPeriods) {
  GroupsWithLrs setup({0.1});
  const double eta_min = 0.01;
  const int T = 10;
  CosineAnnealingLR s(*setup.opt, T, eta_min);
  expect_sequence(sequence(s, setup, 3 * T + 3),
                  [&](int e) { return eta_min + (0.1 - eta_min) * (1 + std::cos(kPi * e / T)) / 2; });
}

TEST(CosineAnnealingLR, HandComputedHalfPeriod) {
  GroupsWithLrs setup({1.0});
  CosineAnnealingLR s(*setup.opt, 2);
  const auto lrs = sequence(s, setup, 4);
  const std::vector<double> want = {1.0, 0.5, 0.0, 0.5, 1.0};
  for (size_t e = 0; e < want.size(); ++e) EXPECT_NEAR(lrs[e], want[e], 1e-15) << "epoch " << e;
}

TEST(LinearLR, WarmsUpLinearlyThenHolds) {
  GroupsWithLrs setup({0.3});
  LinearLR s(*setup.opt);  // start_factor 1/3, end_factor 1, total_iters 5
  const auto lrs = sequence(s, setup, 8);
  expect_sequence(lrs, [](int e) { return 0.3 * (1.0 / 3 + (1 - 1.0 / 3) * std::min(e, 5) / 5); });
  // By hand: 0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3, ...
  const std::vector<double> want = {0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3, 0.3, 0.3};
  for (size_t e = 0; e < want.size(); ++e) EXPECT_NEAR(lrs[e], want[e], 1e-12) << "epoch " << e;
}

TEST(SequentialLR, WarmupThenCosine) {
  GroupsWithLrs setup({0.2});
  auto warmup = std::make_shared<LinearLR>(*setup.opt, 0.1, 1.0, 4);
  auto cosine = std::make_shared<CosineAnnealingLR>(*setup.opt, 6, 0.0);
  SequentialLR s(*setup.opt, {warmup, cosine}, {4});
  EXPECT_NEAR(setup.lr(), 0.02, 1e-15);  // only the warmup's first step is in effect
  expect_sequence(sequence(s, setup, 14), [](int e) {
    if (e < 4) return 0.2 * (0.1 + 0.9 * e / 4);
    return 0.2 * (1 + std::cos(kPi * (e - 4) / 6)) / 2;  // the cosine restarts at the milestone
  });
}

TEST(SequentialLR, ThreePhases) {
  GroupsWithLrs setup({1.0});
  auto a = std::make_shared<LinearLR>(*setup.opt, 0.5, 1.0, 2);
  auto b = std::make_shared<StepLR>(*setup.opt, 2, 0.5);
  auto c = std::make_shared<LinearLR>(*setup.opt, 0.25, 1.0, 3);
  SequentialLR s(*setup.opt, {a, b, c}, {3, 7});
  expect_sequence(sequence(s, setup, 12), [](int e) {
    if (e < 3) return 0.5 + 0.5 * std::min(e, 2) / 2;
    if (e < 7) return std::pow(0.5, (e - 3) / 2);
    return 0.25 + 0.75 * std::min(e - 7, 3) / 3;
  });
}

TEST(ChainedScheduler, FactorsMultiply) {
  GroupsWithLrs setup({0.4, 0.1});
  auto warmup = std::make_shared<LinearLR>(*setup.opt, 0.5, 1.0, 4);
  auto decay = std::make_shared<StepLR>(*setup.opt, 3, 0.5);
  ChainedScheduler s({warmup, decay});
  const auto closed = [](double base) {
    return [base](int e) { return base * (0.5 + 0.5 * std::min(e, 4) / 4) * std::pow(0.5, e / 3); };
  };
  expect_sequence(sequence(s, setup, 10), closed(0.4));
  EXPECT_NEAR(setup.lr(1), closed(0.1)(10), 1e-12);
}

TEST(LRScheduler, StateDictResumeGivesTheSameLrs) {
  auto build = [](GroupsWithLrs& setup) {
    auto warmup = std::make_shared<LinearLR>(*setup.opt, 0.1, 1.0, 3);
    auto decay = std::make_shared<MultiStepLR>(*setup.opt, std::vector<int64_t>{4, 6}, 0.3);
    auto tail = std::make_shared<CosineAnnealingLR>(*setup.opt, 5, 0.001);
    auto seq = std::make_shared<SequentialLR>(*setup.opt, std::vector<std::shared_ptr<LRScheduler>>{warmup, decay}, std::vector<int64_t>{3});
    return std::make_unique<ChainedScheduler>(std::vector<std::shared_ptr<LRScheduler>>{seq, tail});
  };
  GroupsWithLrs straight({0.5, 0.05});
  auto a = build(straight);
  std::vector<std::vector<double>> want;
  for (int i = 0; i < 20; ++i) {
    a->step();
    want.push_back(a->get_last_lr());
  }

  GroupsWithLrs first({0.5, 0.05});
  auto b = build(first);
  for (int i = 0; i < 8; ++i) b->step();
  const OptimizerStateDict opt_sd = first.opt->state_dict();
  const SchedulerStateDict sched_sd = b->state_dict();

  GroupsWithLrs resumed({0.5, 0.05});
  auto c = build(resumed);
  resumed.opt->load_state_dict(opt_sd);
  c->load_state_dict(sched_sd);
  EXPECT_EQ(c->last_epoch(), 8);
  for (int i = 8; i < 20; ++i) {
    c->step();
    EXPECT_EQ(c->get_last_lr(), want[i]) << "step " << i + 1;  // bit for bit
  }
}

TEST(LRScheduler, StateDictRecordsSettings) {
  GroupsWithLrs setup({0.1});
  StepLR s(*setup.opt, 3, 0.5);
  s.step();
  const SchedulerStateDict sd = s.state_dict();
  EXPECT_EQ(sd.type, "StepLR");
  EXPECT_EQ(sd.last_epoch, 1);
  EXPECT_EQ(sd.step_count, 2);
  EXPECT_EQ(sd.base_lrs, (std::vector<double>{0.1}));
  EXPECT_EQ(sd.hyperparameters.at("step_size"), 3.0);
  EXPECT_EQ(sd.hyperparameters.at("gamma"), 0.5);
  // The first scheduler records "initial_lr" in the group, as PyTorch does.
  EXPECT_EQ(setup.opt->param_groups()[0].options.at("initial_lr"), 0.1);
}

TEST(LRScheduler, RejectsBadArguments) {
  GroupsWithLrs setup({0.1});
  EXPECT_NE(error_of([&] { StepLR s(*setup.opt, 0); }).find("step_size"), std::string::npos);
  EXPECT_NE(error_of([&] { CosineAnnealingLR s(*setup.opt, 0); }).find("T_max"), std::string::npos);
  EXPECT_NE(error_of([&] { LinearLR s(*setup.opt, 0.0); }).find("starting multiplicative factor"), std::string::npos);
  EXPECT_NE(error_of([&] { LinearLR s(*setup.opt, 0.5, 1.5); }).find("ending multiplicative factor"), std::string::npos);

  auto a = std::make_shared<StepLR>(*setup.opt, 2);
  auto b = std::make_shared<StepLR>(*setup.opt, 3);
  EXPECT_NE(error_of([&] { SequentialLR s(*setup.opt, {a, b}, {}); }).find("one more scheduler than milestones"),
            std::string::npos);
  EXPECT_NE(error_of([&] { SequentialLR s(*setup.opt, {}, {}); }).find("at least one scheduler"), std::string::npos);
  GroupsWithLrs other({0.1});
  auto foreign = std::make_shared<StepLR>(*other.opt, 2);
  EXPECT_NE(error_of([&] { SequentialLR s(*setup.opt, {a, foreign}, {3}); }).find("same optimizer"), std::string::npos);
  EXPECT_NE(error_of([&] { ChainedScheduler s({a, foreign}); }).find("same optimizer"), std::string::npos);

  SchedulerStateDict sd = a->state_dict();
  sd.type = "CosineAnnealingLR";
  EXPECT_NE(error_of([&] { a->load_state_dict(sd); }).find("saved by CosineAnnealingLR, this scheduler is StepLR"), std::string::npos);
  sd = a->state_dict();
  sd.base_lrs.push_back(1.0);
  EXPECT_NE(error_of([&] { a->load_state_dict(sd); }).find("param groups"), std::string::npos);
}
