// FixedOrderReducer: the step's gradient is the same fixed tree over the micro-batches
// whatever the world size (this binary runs on 1, 2 and 4 ranks and checks against the
// tree computed here by one process), the loss mean and the stop votes ride along, and
// a world the tree cannot be split over is refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "ag/ag.h"
#include "ag/dist/fixed_order_reducer.h"
#include "dist_env.h"

using namespace ag;

namespace {

// Micro-batch i's gradient: normal values scaled by 10^(i mod 7), so that the order of
// the additions shows in the last bits.
Tensor leaf(int64_t i) {
  Generator g(1000 + static_cast<uint64_t>(i));
  Tensor t = empty({3, 5});
  normal_(t, 0, 1, &g);
  return t.mul_(std::pow(10.0, static_cast<double>(i % 7)));
}

}  // namespace

TEST(FixedOrderReducer, SumsInOneTreeWhateverTheWorldSize) {
  const int64_t M = 8;
  Tensor p = zeros({3, 5}).requires_grad_();
  dist::FixedOrderReducer reducer({p}, g_comm, M);
  ASSERT_EQ(reducer.micro_batches_per_rank(), M / g_comm->world_size());
  for (int64_t k = 0; k < reducer.micro_batches_per_rank(); ++k) {
    p.mutable_grad() = leaf(reducer.global_index(k));
    reducer.add_micro_batch(static_cast<double>(reducer.global_index(k)));
    EXPECT_FALSE(p.grad().defined()) << "the micro-batch's gradient must be taken out of .grad";
  }
  const auto result = reducer.finish(false);

  std::vector<Tensor> tree;
  for (int64_t i = 0; i < M; ++i) tree.push_back(leaf(i));
  for (size_t width = 1; width < tree.size(); width *= 2)
    for (size_t i = 0; i + width < tree.size(); i += 2 * width) tree[i].add_(tree[i + width]);
  Tensor expected = tree[0].mul_(1.0 / M);
  ASSERT_TRUE(p.grad().defined());
  EXPECT_EQ(std::memcmp(p.grad().contiguous().data_ptr(), expected.data_ptr(), expected.nbytes()), 0)
      << "rank " << g_comm->rank() << " of " << g_comm->world_size() << ": not the fixed tree's sum";
  EXPECT_EQ(result.mean_loss, 3.5);
  EXPECT_FALSE(result.stop);

  // The sum left to right differs in some bit, so the check above can tell the orders apart.
  Tensor sequential = leaf(0);
  for (int64_t i = 1; i < M; ++i) sequential.add_(leaf(i));
  sequential.mul_(1.0 / M);
  EXPECT_NE(std::memcmp(sequential.data_ptr(), expected.data_ptr(), expected.nbytes()), 0);
}

TEST(FixedOrderReducer, OneRanksStopVoteStopsEveryRank) {
  Tensor p = zeros({4}).requires_grad_();
  dist::FixedOrderReducer reducer({p}, g_comm, 4);
  for (int64_t k = 0; k < reducer.micro_batches_per_rank(); ++k) {
    p.mutable_grad() = ones({4});
    reducer.add_micro_batch(1.0);
  }
  EXPECT_TRUE(reducer.finish(g_comm->rank() == g_comm->world_size() - 1).stop);
  EXPECT_TRUE(p.grad().equal(ones({4})));
}

TEST(FixedOrderReducer, RefusesTreesTheWorldCannotShare) {
  Tensor p = zeros({2}).requires_grad_();
  EXPECT_THROW(dist::FixedOrderReducer({p}, g_comm, 6), std::invalid_argument);  // not a power of two
  if (g_comm->world_size() > 2) {
    EXPECT_THROW(dist::FixedOrderReducer({p}, g_comm, 2), std::invalid_argument);
  }
  dist::FixedOrderReducer reducer({p}, g_comm, 4);
  EXPECT_THROW(reducer.finish(false), std::logic_error);  // before this rank's micro-batches
}
