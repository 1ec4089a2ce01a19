// DistributedDataParallel: N ranks × B/N samples give the same training as one
// process × B; ranks stay bitwise identical; mismatched models fail loudly;
// unused parameters, no_sync and small buckets behave; stop votes and non-finite
// gradients are counted across ranks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ag/ag.h"
#include "ag/dist/ddp.h"
#include "dist_env.h"

using ag::Tensor;
using ag::dist::DistributedDataParallel;

namespace {

// A two-layer MLP with explicit parameters, initialised from `seed`.
struct TinyMlp : ag::nn::Module {
  Tensor w1, b1, w2, b2, unused;
  explicit TinyMlp(uint64_t seed, int64_t hidden = 16) {
    ag::Generator g(seed);
    auto init = [&](ag::Dims s) {
      auto t = ag::empty(s);
      ag::uniform_(t, -0.3, 0.3, &g);
      return t.requires_grad_();
    };
    w1 = register_parameter("w1", init({8, hidden}));
    b1 = register_parameter("b1", init({hidden}));
    w2 = register_parameter("w2", init({hidden, 3}));
    b2 = register_parameter("b2", init({3}));
    unused = register_parameter("unused", init({5}));
  }
  std::vector<Tensor> params() const { return parameters(); }
  Tensor loss(const Tensor& x, const Tensor& y) const {
    auto h = ag::relu(ag::matmul(x, w1) + b1);
    auto d = ag::matmul(h, w2) + b2 - y;
    return (d * d).mean();
  }
  void sgd(double lr) {
    ag::NoGradGuard g;
    for (auto& p : params()) {
      if (!p.grad().defined()) continue;
      Tensor q = p;
      q.sub_(p.grad(), lr);
      q.mutable_grad().reset();
    }
  }
};

// The global batch of step `step`: identical on every rank.
std::pair<Tensor, Tensor> global_batch(int step, int64_t n) {
  ag::Generator g(1000 + step);
  auto x = ag::empty({n, 8}), y = ag::empty({n, 3});
  ag::normal_(x, 0, 1, &g);
  ag::normal_(y, 0, 1, &g);
  return {x, y};
}

}  // namespace

TEST(DDP, MatchesOneProcessWithTheWholeBatch) {
  // W ranks × 64/W samples and 20 Adam steps end where 1 process × 64 samples does.
  const int w = g_comm->world_size(), r = g_comm->rank();
  const int64_t global = 64, local = global / w;
  TinyMlp dist_model(7 + r), ref(7);  // different seeds per rank: DDP broadcasts rank 0's values
  DistributedDataParallel ddp(dist_model, g_comm, {.bucket_cap_bytes = 256});
  EXPECT_GT(ddp.buckets().size(), 1u);
  ag::optim::Adam opt_dist(dist_model.params(), ag::optim::AdamOptions(1e-2)), opt_ref(ref.params(), ag::optim::AdamOptions(1e-2));
  for (int step = 0; step < 20; ++step) {
    auto [x, y] = global_batch(step, global);
    opt_dist.zero_grad();
    dist_model.loss(x.narrow(0, r * local, local), y.narrow(0, r * local, local)).backward();
    opt_dist.step();
    opt_ref.zero_grad();
    ref.loss(x, y).backward();
    opt_ref.step();
  }
  auto a = dist_model.params(), b = ref.params();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i].allclose(b[i], 1e-5, 1e-6)) << "parameter " << i;
}

TEST(DDP, RanksStayBitwiseIdentical) {
  const int w = g_comm->world_size(), r = g_comm->rank();
  if (w == 1) GTEST_SKIP() << "a group of one has no other rank to compare with";
  TinyMlp m(11 + r);
  DistributedDataParallel ddp(m, g_comm);
  for (int step = 0; step < 100; ++step) {
    auto [x, y] = global_batch(step + 500 + 97 * r, 8);  // each rank its own data
    m.loss(x, y).backward();
    m.sgd(0.05);
  }
  for (auto& p : m.params()) {
    auto all = g_comm->allgather(p.detach().contiguous());
    for (int k = 1; k < w; ++k) EXPECT_TRUE(all[k].equal(all[0])) << "rank " << k;
  }
}

TEST(DDP, DifferentModelsFailOnEveryRankWithTheDifference) {
  if (g_comm->world_size() == 1) GTEST_SKIP() << "needs two ranks";
  TinyMlp m(1, g_comm->rank() == 1 ? 17 : 16);
  try {
    DistributedDataParallel ddp(m, g_comm);
    FAIL() << "expected a model mismatch error";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("different models"), std::string::npos) << msg;
    EXPECT_NE(msg.find("w1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[8, 17]"), std::string::npos) << msg;
  }
}

TEST(DDP, UnusedParametersCountAsZeroWithoutHanging) {
  const int r = g_comm->rank();
  TinyMlp m(3);
  DistributedDataParallel ddp(m, g_comm);
  auto [x, y] = global_batch(1, 4);
  // `unused` takes part on rank 0 only: the average is rank 0's gradient / world.
  Tensor loss = m.loss(x, y);
  if (r == 0) loss = loss + m.unused.sum();
  loss.backward();
  ASSERT_TRUE(m.unused.grad().defined());
  EXPECT_TRUE(m.unused.grad().allclose(ag::full({5}, 1.0 / g_comm->world_size())));
}

TEST(DDP, NoSyncAccumulatesLocallyThenReducesTheTotal) {
  const int w = g_comm->world_size(), r = g_comm->rank();
  TinyMlp m(5), ref(5);
  DistributedDataParallel ddp(m, g_comm);
  auto [x, y] = global_batch(9, 8 * w);
  auto mine = [&](int part) { return std::pair{x.narrow(0, (2 * r + part) * 4, 4), y.narrow(0, (2 * r + part) * 4, 4)}; };
  {
    auto guard = ddp.no_sync();
    auto [x0, y0] = mine(0);
    m.loss(x0, y0).backward();
  }
  auto [x1, y1] = mine(1);
  m.loss(x1, y1).backward();
  // Reference: sum over each rank's two micro-batches, averaged over ranks.
  for (int k = 0; k < w; ++k)
    for (int part = 0; part < 2; ++part)
      (ref.loss(x.narrow(0, (2 * k + part) * 4, 4), y.narrow(0, (2 * k + part) * 4, 4)) * (1.0 / w)).backward();
  EXPECT_TRUE(m.w1.grad().allclose(ref.w1.grad(), 1e-5, 1e-6));
  EXPECT_TRUE(m.b2.grad().allclose(ref.b2.grad(), 1e-5, 1e-6));
}

TEST(DDP, AllreduceGradientsByHandMatchesDdp) {
  if (g_comm->world_size() == 1) GTEST_SKIP() << "a group of one communicates nothing: both sides are the local gradient";
  TinyMlp a(21), b(21);
  DistributedDataParallel ddp(a, g_comm);
  auto [x, y] = global_batch(40 + g_comm->rank(), 6);
  a.loss(x, y).backward();
  b.loss(x, y).backward();
  ag::dist::allreduce_gradients(b.params(), *g_comm);
  auto pa = a.params(), pb = b.params();
  for (size_t i = 0; i + 1 < pa.size(); ++i) EXPECT_TRUE(pa[i].grad().equal(pb[i].grad())) << i;
}

TEST(DDP, AgreementCountsStopVotesAndRanksWithNonFiniteGradients) {
  const int w = g_comm->world_size(), r = g_comm->rank();
  if (w == 1) GTEST_SKIP() << "a group of one does not communicate";
  for (size_t cap : {size_t{256}, size_t{25} << 20}) {  // several buckets and one
    TinyMlp m(11);
    DistributedDataParallel ddp(m, g_comm, {.bucket_cap_bytes = cap});
    auto [x, y] = global_batch(3 + r, 4);
    // Step 1: rank 0 votes to stop; the last rank's input holds an inf, so its
    // gradients do (and, averaged, everyone's).
    ddp.vote_stop(r == 0);
    if (r == w - 1) x.narrow(0, 0, 1).narrow(1, 0, 1).fill_(std::numeric_limits<double>::infinity());
    m.loss(x, y).backward();
    EXPECT_EQ(ddp.last_agreement().stop_votes, 1) << "cap " << cap;
    EXPECT_EQ(ddp.last_agreement().nonfinite_ranks, 1) << "cap " << cap;
    EXPECT_FALSE(std::isfinite(m.w1.grad().sum().item())) << "cap " << cap;
    // Step 2: no votes, finite data: the counts start again from zero.
    for (auto& p : m.params()) p.mutable_grad().reset();
    ddp.vote_stop(false);
    auto [x2, y2] = global_batch(5 + r, 4);
    m.loss(x2, y2).backward();
    EXPECT_EQ(ddp.last_agreement().stop_votes, 0) << "cap " << cap;
    EXPECT_EQ(ddp.last_agreement().nonfinite_ranks, 0) << "cap " << cap;
    EXPECT_TRUE(std::isfinite(m.w1.grad().sum().item())) << "cap " << cap;
  }
}

TEST(DDP, BackwardThatThrowsPartWayLeavesTheNextStepWorking) {
  // The last rank's hook on b1 throws after DDP has taken b1's gradient: that rank's
  // backward fails part-way. Every rank finishes the step (the failed one sends what
  // it has), learns of the failure, and the next step is an ordinary one.
  const int w = g_comm->world_size(), r = g_comm->rank();
  for (size_t cap : {size_t{256}, size_t{25} << 20}) {  // several buckets and one
    TinyMlp m(13), ref(13);
    DistributedDataParallel ddp(m, g_comm, {.bucket_cap_bytes = cap});
    bool fail = r == w - 1;
    m.b1.register_post_accumulate_grad_hook([&](Tensor&) {
      if (fail) throw std::runtime_error("hook failed");
    });
    auto [x, y] = global_batch(60 + r, 4);
    if (fail) EXPECT_THROW(m.loss(x, y).backward(), std::runtime_error) << "cap " << cap;
    else m.loss(x, y).backward();
    EXPECT_EQ(ddp.last_agreement().failed_ranks, w > 1 ? 1 : 0) << "cap " << cap;
    fail = false;
    for (auto& p : m.params()) p.mutable_grad().reset();
    auto [x2, y2] = global_batch(70 + r, 4);
    m.loss(x2, y2).backward();
    EXPECT_EQ(ddp.last_agreement().failed_ranks, 0) << "cap " << cap;
    ref.loss(x2, y2).backward();
    ag::dist::allreduce_gradients(ref.params(), *g_comm);
    EXPECT_TRUE(m.w1.grad().equal(ref.w1.grad())) << "cap " << cap;
    EXPECT_TRUE(m.b2.grad().equal(ref.b2.grad())) << "cap " << cap;
  }
}

TEST(DDP, AnomalyFoundPartWayLeavesTheNextStepWorking) {
  // Anomaly mode finds a NaN in the first layer's backward on the last rank, after
  // the second layer's gradients went into their buckets.
  const int w = g_comm->world_size(), r = g_comm->rank();
  TinyMlp m(17);
  DistributedDataParallel ddp(m, g_comm, {.bucket_cap_bytes = 256});
  auto [x, y] = global_batch(80 + r, 4);
  {
    ag::DetectAnomalyGuard anomaly;
    Tensor h = ag::relu(ag::matmul(x, m.w1) + m.b1);
    // The hidden layer's incoming gradient turns NaN, so its backward returns NaN.
    if (r == w - 1) h.register_hook([](const Tensor& g) { return g * std::numeric_limits<double>::quiet_NaN(); });
    auto d = ag::matmul(h, m.w2) + m.b2 - y;
    auto loss = (d * d).mean();
    if (r == w - 1) EXPECT_THROW(loss.backward(), ag::AnomalyError);
    else loss.backward();
  }
  EXPECT_EQ(ddp.last_agreement().failed_ranks, w > 1 ? 1 : 0);
  for (auto& p : m.params()) p.mutable_grad().reset();
  m.loss(x, y).backward();
  EXPECT_EQ(ddp.last_agreement().failed_ranks, 0);
  EXPECT_TRUE(std::isfinite(m.w1.grad().sum().item()));
}

TEST(DDP, ModuleConstructorAveragesTrainedParametersAndBroadcastsTheRest) {
  // Per-rank values everywhere: after wrapping, every rank holds rank 0's trained
  // parameter, frozen parameter and buffer; only the trained one is averaged.
  const int w = g_comm->world_size(), r = g_comm->rank();
  struct Net : ag::nn::Module {
    Tensor weight, frozen, stats;
    explicit Net(double v) {
      weight = register_parameter("weight", ag::full({3}, v));
      frozen = register_parameter("frozen", ag::full({2}, v), /*requires_grad=*/false);
      stats = register_buffer("stats", ag::full({2}, v));
    }
  };
  Net net(r + 1.0);
  DistributedDataParallel ddp(net, g_comm);
  ASSERT_EQ(ddp.buckets().size(), 1u);
  EXPECT_EQ(ddp.buckets()[0].params.size(), 1u);  // the frozen one is not reduced
  EXPECT_TRUE(net.weight.equal(ag::full({3}, 1.0)));
  EXPECT_TRUE(net.frozen.equal(ag::full({2}, 1.0)));
  EXPECT_TRUE(net.stats.equal(ag::full({2}, 1.0)));
  (net.weight * static_cast<double>(r)).sum().backward();
  EXPECT_TRUE(net.weight.grad().allclose(ag::full({3}, (w - 1) / 2.0)));
}

TEST(DDP, WrapsAHolderAndIsCalledAsTheModule) {
  // torch's `DDP(model)(x)`: the wrapper calls the module's own forward, and a
  // user module's forward by value (hiding the base's) is the one it calls.
  struct TwiceImpl : ag::nn::Module {
    TwiceImpl() { fc = register_module("fc", ag::nn::Linear(3, 2)); }
    Tensor forward(Tensor x) { return fc(x) * 2.0; }
    ag::nn::Linear fc{nullptr};
  };
  struct Twice : ag::nn::ModuleHolder<TwiceImpl> {
    using ag::nn::ModuleHolder<TwiceImpl>::ModuleHolder;
  };
  ag::manual_seed(3);
  Twice model;
  DistributedDataParallel ddp(model, g_comm);
  EXPECT_EQ(ddp.module().get(), model.ptr().get());
  Tensor x = ag::ones({4, 3});
  Tensor y = ddp(x);
  EXPECT_TRUE(y.allclose(model->fc(x) * 2.0));
  y.sum().backward();
  // Every rank fed the same input: the average is the local gradient, 2 per sample.
  EXPECT_TRUE(model->fc->bias.grad().allclose(ag::full({2}, 8.0)));

  ag::nn::Linear plain(3, 1);
  DistributedDataParallel by_reference(*plain, g_comm);
  EXPECT_THROW(by_reference(x), std::logic_error);
  EXPECT_EQ(by_reference.module(), nullptr);
  ag::nn::Linear empty{nullptr};
  EXPECT_THROW(DistributedDataParallel(empty, g_comm), std::logic_error);
}

TEST(DDP, DistributedSamplerFromADatasetAndTheCommunicator) {
  ag::data::TensorDataset data(ag::arange(10.));
  ag::data::DistributedSampler sampler(data, *g_comm, /*shuffle=*/false);
  EXPECT_EQ(sampler.num_replicas(), g_comm->world_size());
  EXPECT_EQ(sampler.rank(), g_comm->rank());
  const int64_t w = g_comm->world_size();
  EXPECT_EQ(sampler.num_samples(), (10 + w - 1) / w);
  EXPECT_EQ(sampler.indices().front(), g_comm->rank());
}
