// ZeroRedundancyOptimizer (runs on 1, 2 and 4 ranks): each rank holds its range of the
// state only, yet the parameters are bitwise those of the unsharded optimizer; the
// consolidated state is the unsharded one's, a whole state loads into the shards, and
// an optimizer that is not element-wise is refused.
#include <gtest/gtest.h>

#include <cstring>

#include "ag/ag.h"
#include "ag/dist/zero_redundancy_optimizer.h"
#include "dist_env.h"

using namespace ag;

namespace {

// Sizes that do not split evenly, over two groups (the second without weight decay).
struct Model {
  std::vector<optim::ParamGroup> groups;
  std::vector<Tensor> params;
};

Model make_model() {
  Generator g(7);
  Model m;
  const std::vector<std::pair<std::string, Dims>> decay = {{"fc1.weight", {7, 5}}, {"fc2.weight", {3, 7}}};
  const std::vector<std::pair<std::string, Dims>> no_decay = {{"fc1.bias", {7}}, {"unused", {2}}, {"fc2.bias", {3}}};
  auto build = [&](const std::vector<std::pair<std::string, Dims>>& spec, optim::Hyperparameters options) {
    NamedTensors named;
    for (const auto& [name, shape] : spec) {
      Tensor p = empty(shape);
      normal_(p, 0, 1, &g);
      p.requires_grad_();
      named.insert(name, p);
      m.params.push_back(p);
    }
    m.groups.emplace_back(named, std::move(options));
  };
  build(decay, {});
  build(no_decay, {{"weight_decay", 0.0}});
  return m;
}

// The same gradients on every rank (as after DDP's averaging); "unused" never gets one.
void set_grads(Model& m, int step) {
  Generator g(100 + static_cast<uint64_t>(step));
  for (size_t i = 0; i < m.params.size(); ++i) {
    if (i == 3) continue;
    Tensor grad = empty(m.params[i].sizes());
    normal_(grad, 0, 1, &g);
    m.params[i].mutable_grad() = grad;
  }
}

std::unique_ptr<optim::Optimizer> adamw(std::vector<optim::ParamGroup> groups) {
  return std::make_unique<optim::AdamW>(std::move(groups), optim::AdamWOptions(1e-2).weight_decay(0.1));
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && a.dtype() == b.dtype() &&
         std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.nbytes()) == 0;
}

}  // namespace

TEST(ZeroRedundancyOptimizer, StepsBitwiseAsTheUnshardedOptimizer) {
  Model sharded = make_model(), whole = make_model();
  dist::ZeroRedundancyOptimizer zero(sharded.groups, adamw, g_comm);
  auto reference = adamw(whole.groups);
  for (int step = 0; step < 5; ++step) {
    set_grads(sharded, step);
    set_grads(whole, step);
    zero.step();
    reference->step();
  }
  for (size_t i = 0; i < whole.params.size(); ++i)
    EXPECT_TRUE(same_bits(sharded.params[i], whole.params[i])) << "parameter " << i << " on rank " << g_comm->rank();

  // This rank's state covers its range only.
  int64_t held = 0;
  const auto& local = zero.local();
  for (size_t gi = 0; gi < local.param_groups().size(); ++gi)
    for (size_t i = 0; i < local.param_groups()[gi].params.size(); ++i)
      for (const Tensor& b : local.state(gi, i).buffers)
        if (b.defined()) held += b.numel();
  EXPECT_EQ(zero.numel(), 35 + 21 + 7 + 2 + 3);
  EXPECT_LE(zero.shard_end() - zero.shard_begin(), zero.numel() / g_comm->world_size() + 1);
  // exp_avg and exp_avg_sq of the range, but for "unused" (flat elements 63 and 64), which never stepped.
  const int64_t unused = std::max<int64_t>(0, std::min<int64_t>(zero.shard_end(), 65) - std::max<int64_t>(zero.shard_begin(), 63));
  EXPECT_EQ(held, 2 * (zero.shard_end() - zero.shard_begin() - unused)) << "rank " << g_comm->rank();
}

TEST(ZeroRedundancyOptimizer, ConsolidatedStateIsTheUnshardedOnesAndLoadsBack) {
  Model sharded = make_model(), whole = make_model();
  dist::ZeroRedundancyOptimizer zero(sharded.groups, adamw, g_comm);
  auto reference = adamw(whole.groups);
  for (int step = 0; step < 3; ++step) {
    set_grads(sharded, step);
    set_grads(whole, step);
    zero.step();
    reference->step();
  }
  zero.consolidate_state_dict(0);
  const optim::OptimizerStateDict expected = reference->state_dict();
  if (g_comm->rank() == 0) {
    const optim::OptimizerStateDict& got = zero.state_dict();
    EXPECT_EQ(got.type, expected.type);
    ASSERT_EQ(got.param_groups.size(), expected.param_groups.size());
    for (size_t gi = 0; gi < got.param_groups.size(); ++gi) {
      EXPECT_EQ(got.param_groups[gi].params, expected.param_groups[gi].params);
      EXPECT_EQ(got.param_groups[gi].options, expected.param_groups[gi].options);
    }
    ASSERT_EQ(got.state.size(), expected.state.size());  // "unused" has no state in either
    for (const auto& [name, ps] : expected.state) {
      ASSERT_TRUE(got.state.count(name)) << name;
      EXPECT_EQ(got.state.at(name).step, ps.step) << name;
      ASSERT_EQ(got.state.at(name).buffers.size(), ps.buffers.size()) << name;
      for (const auto& [slot, t] : ps.buffers) EXPECT_TRUE(same_bits(got.state.at(name).buffers.at(slot), t)) << name << " " << slot;
    }
  } else {
    EXPECT_THROW(zero.state_dict(), std::logic_error);
  }

  // A fresh sharded optimizer takes the unsharded state and goes on bitwise.
  Model resumed = make_model();
  for (size_t i = 0; i < resumed.params.size(); ++i) {
    NoGradGuard ng;
    resumed.params[i].copy_(whole.params[i]);
  }
  dist::ZeroRedundancyOptimizer again(resumed.groups, adamw, g_comm);
  again.load_state_dict(expected);
  for (int step = 3; step < 6; ++step) {
    set_grads(resumed, step);
    set_grads(whole, step);
    again.step();
    reference->step();
  }
  for (size_t i = 0; i < whole.params.size(); ++i)
    EXPECT_TRUE(same_bits(resumed.params[i], whole.params[i])) << "parameter " << i << " on rank " << g_comm->rank();
}

TEST(ZeroRedundancyOptimizer, RefusesAStateOfAnotherShape) {
  Model m = make_model();
  dist::ZeroRedundancyOptimizer zero(m.groups, adamw, g_comm);
  optim::OptimizerStateDict sd = zero.local().state_dict();
  sd.param_groups[0].params = {"fc1.weight", "fc2.weight"};
  sd.param_groups[1].params = {"fc1.bias", "unused", "fc2.bias"};
  sd.state["fc1.weight"].step = 1;
  sd.state["fc1.weight"].buffers["exp_avg"] = zeros({5, 7});
  try {
    zero.load_state_dict(sd);
    FAIL() << "a state of shape [5, 7] for a [7, 5] parameter must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'exp_avg' of 'fc1.weight' has shape [5, 7]"), std::string::npos) << e.what();
  }
  sd.param_groups[1].params = {"fc1.bias", "fc2.bias"};
  EXPECT_THROW(zero.load_state_dict(sd), std::invalid_argument);
}

namespace {
// Scales each parameter's step by its whole gradient's norm: an element's update reads
// every element, so cutting the parameter into ranges would change it.
class NormalizedSGD : public optim::Optimizer {
 public:
  explicit NormalizedSGD(std::vector<optim::ParamGroup> groups) : Optimizer("NormalizedSGD", {{"lr", 0.1}}, {}) {
    add_initial_groups(std::move(groups));
  }

 protected:
  void validate(const optim::Hyperparameters&) const override {}
  std::vector<size_t> required_buffers(const optim::Hyperparameters&) const override { return {}; }
  void step_group(optim::ParamGroup& group, std::vector<optim::ParamState>& states) override {
    for_each_param_with_grad(group, states, [&](Tensor& p, const Tensor& g, optim::ParamState&) {
      p.sub_(g / g.norm() * group.lr());
    });
  }
};
}  // namespace

TEST(ZeroRedundancyOptimizer, RefusesAnOptimizerThatIsNotElementwise) {
  Model m = make_model();
  try {
    dist::ZeroRedundancyOptimizer zero(
        m.groups, [](std::vector<optim::ParamGroup> g) { return std::make_unique<NormalizedSGD>(std::move(g)); }, g_comm);
    FAIL() << "NormalizedSGD reads a whole tensor per element and must not be sharded";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot shard NormalizedSGD"), std::string::npos) << e.what();
  }
}
