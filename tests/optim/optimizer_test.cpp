// The Optimizer base: param groups and their options, names, skipping
// parameters without gradients, zero_grad, and input checks.
#include "optim/reference.h"

using namespace optim_test;
using ag::optim::Adam;
using ag::optim::ParamGroup;
using ag::optim::SGD;
using ag::optim::SGDOptions;
using ag::optim::AdamOptions;

namespace {

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

TEST(Optimizer, ParamGroupsKeepTheirOwnOptions) {
  ag::Tensor a = param({1.0}), b = param({1.0});
  SGD opt(std::vector<ParamGroup>{ParamGroup({a}), ParamGroup({b}, {{"lr", 0.5}, {"momentum", 0.9}})}, SGDOptions(0.1));
  ASSERT_EQ(opt.param_groups().size(), 2u);
  EXPECT_EQ(opt.param_groups()[0].lr(), 0.1);
  EXPECT_EQ(opt.param_groups()[0].options.at("momentum"), 0.0);
  EXPECT_EQ(opt.param_groups()[1].lr(), 0.5);
  EXPECT_EQ(opt.param_groups()[1].options.at("momentum"), 0.9);
  a.mutable_grad() = ag::ones({1}, ag::kFloat64);
  b.mutable_grad() = ag::ones({1}, ag::kFloat64);
  opt.step();
  EXPECT_DOUBLE_EQ(values(a)[0], 0.9);
  EXPECT_DOUBLE_EQ(values(b)[0], 0.5);
}

TEST(Optimizer, LearningRateChangesThroughParamGroupsTakeEffect) {
  ag::Tensor p = param({1.0});
  SGD opt({p}, SGDOptions(0.1));
  opt.param_groups()[0].set_lr(0.25);
  p.mutable_grad() = ag::ones({1}, ag::kFloat64);
  opt.step();
  EXPECT_DOUBLE_EQ(values(p)[0], 0.75);
}

TEST(Optimizer, NamesDefaultToPositionAcrossGroups) {
  ag::Tensor a = param({1.0}), b = param({2.0}), c = param({3.0}), d = param({4.0});
  Adam opt({a, b});
  opt.add_param_group(ParamGroup({c}, {{"lr", 0.1}}));
  opt.add_param_group(ParamGroup(ag::NamedTensors{{"fc.bias", d}}));
  EXPECT_EQ(opt.param_groups()[0].names, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(opt.param_groups()[1].names, (std::vector<std::string>{"2"}));
  EXPECT_EQ(opt.param_groups()[2].names, (std::vector<std::string>{"fc.bias"}));
  // add_param_group fills left-out options from the defaults.
  EXPECT_EQ(opt.param_groups()[1].lr(), 0.1);
  EXPECT_EQ(opt.param_groups()[1].options.at("beta2"), 0.999);
  EXPECT_EQ(opt.param_groups()[2].lr(), 1e-3);
}

TEST(Optimizer, SkipsParametersWithoutGradient) {
  ag::Tensor a = param({1.0}), b = param({1.0});
  Adam opt({a, b}, AdamOptions(0.1));
  a.mutable_grad() = ag::ones({1}, ag::kFloat64);
  opt.step();
  opt.step();
  EXPECT_EQ(opt.state(0, 0).step, 2);
  EXPECT_EQ(opt.state(0, 1).step, 0);  // PyTorch: the per-parameter step does not advance
  EXPECT_EQ(values(b)[0], 1.0);
  EXPECT_FALSE(opt.state(0, 1).buffers.size() > 0 && opt.state(0, 1).buffers[0].defined());

  // b's first update is a first Adam step (bias correction with t=1): p -= lr*g/(|g|+eps).
  b.mutable_grad() = ag::full({1}, 2.0, ag::kFloat64);
  opt.step();
  EXPECT_EQ(opt.state(0, 0).step, 3);
  EXPECT_EQ(opt.state(0, 1).step, 1);
  EXPECT_NEAR(values(b)[0], 1 - 0.1 * 2 / (2 + 1e-8), 1e-15);
}

TEST(Optimizer, ZeroGradSetsToNoneByDefault) {
  ag::Tensor p = param({1.0, 2.0});
  SGD opt({p});
  p.mutable_grad() = ag::ones({2}, ag::kFloat64);
  opt.zero_grad();
  EXPECT_FALSE(p.grad().defined());
  // A following step skips p.
  opt.step();
  EXPECT_EQ(values(p), (Values{1.0, 2.0}));
}

TEST(Optimizer, ZeroGradCanZeroInPlace) {
  ag::Tensor p = param({1.0, 2.0});
  SGD opt({p});
  p.mutable_grad() = ag::ones({2}, ag::kFloat64);
  ag::Tensor g = p.grad();
  opt.zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(p.grad().defined());
  EXPECT_TRUE(p.grad().is_same(g));
  EXPECT_EQ(values(p.grad()), (Values{0.0, 0.0}));
}

TEST(Optimizer, StepWorksOnParametersThatRequireGradAndBumpsTheirVersion) {
  ag::Tensor p = param({1.0});
  SGD opt({p}, SGDOptions(0.5));
  (p * p).sum().backward();  // grad = 2p = 2
  const uint32_t before = p._version();
  opt.step();
  EXPECT_DOUBLE_EQ(values(p)[0], 0.0);
  EXPECT_GT(p._version(), before);
  EXPECT_TRUE(p.is_leaf());
  EXPECT_TRUE(p.requires_grad());
}

TEST(Optimizer, RejectsBadParameterLists) {
  ag::Tensor p = param({1.0});
  EXPECT_NE(error_of([] { SGD opt(ag::TensorList{}); }).find("empty parameter list"), std::string::npos);
  EXPECT_NE(error_of([&] { SGD opt({p, p}); }).find("appears more than once"), std::string::npos);
  ag::Tensor q = param({1.0});
  // One name twice: refused by the named list itself, or across param groups by the optimizer.
  EXPECT_NE(error_of([&] { SGD opt(ag::NamedTensors{{"w", p}, {"w", q}}); }).find("key 'w' is already present"), std::string::npos);
  EXPECT_NE(error_of([&] {
              SGD opt(std::vector<ag::optim::ParamGroup>{ag::optim::ParamGroup(ag::NamedTensors{{"w", p}}),
                                                         ag::optim::ParamGroup(ag::NamedTensors{{"w", q}})});
            }).find("two parameters are named 'w'"),
            std::string::npos);
  EXPECT_NE(error_of([] { SGD opt({ag::tensor({1, 2})}); }).find("int64"), std::string::npos);
  ag::Tensor non_leaf = p * 2.0;
  EXPECT_NE(error_of([&] { SGD opt({non_leaf}); }).find("non-leaf"), std::string::npos);

  SGD opt({p});
  EXPECT_NE(error_of([&] { opt.add_param_group(ParamGroup({p})); }).find("appears more than once"), std::string::npos);
  const std::string unknown = error_of([&] { opt.add_param_group(ParamGroup({q}, {{"momentun", 0.9}})); });
  EXPECT_NE(unknown.find("unknown hyperparameter 'momentun'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("param group 1"), std::string::npos) << unknown;
  EXPECT_EQ(opt.param_groups().size(), 1u);  // the failed add left nothing behind
}

TEST(Optimizer, StepChecksEveryInputBeforeWritingAny) {
  ag::Tensor good = param({1.0});
  ag::Tensor strided = ag::zeros({2, 3}, ag::kFloat64).t();  // a non-contiguous leaf
  Adam opt(ag::NamedTensors{{"good", good}, {"strided", strided}});
  good.mutable_grad() = ag::ones({1}, ag::kFloat64);
  strided.mutable_grad() = ag::ones({3, 2}, ag::kFloat64);
  const std::string e = error_of([&] { opt.step(); });
  EXPECT_NE(e.find("parameter 'strided' is not contiguous"), std::string::npos) << e;
  EXPECT_EQ(values(good)[0], 1.0);
  EXPECT_EQ(opt.state(0, 0).step, 0);

  strided.mutable_grad().reset();
  good.mutable_grad() = ag::ones({2}, ag::kFloat64);
  EXPECT_NE(error_of([&] { opt.step(); }).find("has shape [1] but its gradient has shape [2]"), std::string::npos);
  good.mutable_grad() = ag::ones({1}, ag::kFloat32);
  EXPECT_NE(error_of([&] { opt.step(); }).find("is float64 but its gradient is float32"), std::string::npos);
  good.mutable_grad() = ag::ones({1}, ag::kFloat64);
  opt.param_groups()[0].options["lr"] = -1;
  EXPECT_NE(error_of([&] { opt.step(); }).find("invalid lr"), std::string::npos);
  EXPECT_EQ(values(good)[0], 1.0);
}

TEST(Optimizer, StepRefusesParametersAddedBehindItsBack) {
  ag::Tensor p = param({1.0});
  SGD opt({p});
  opt.param_groups()[0].params.push_back(param({2.0}));
  EXPECT_NE(error_of([&] { opt.step(); }).find("add_param_group"), std::string::npos);
}
