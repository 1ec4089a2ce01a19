// allreduce, broadcast, allgather and barrier for several sizes and dtypes.
#include <gtest/gtest.h>

#include <cstdlib>

#include "ag/ag.h"
#include "dist_env.h"

using ag::dist::ReduceOp;

class Collectives : public testing::TestWithParam<std::tuple<int64_t, ag::ScalarType>> {};

TEST_P(Collectives, AllreduceSumAndAverage) {
  auto [n, dtype] = GetParam();
  int r = g_comm->rank(), w = g_comm->world_size();
  // Rank r holds arange(n) + r; the sum is w*arange(n) + w(w-1)/2.
  auto t = (ag::arange(0, static_cast<double>(n), 1, ag::kFloat64) + static_cast<double>(r)).to(dtype);
  g_comm->allreduce(t, ReduceOp::Sum);
  auto expect = (ag::arange(0, static_cast<double>(n), 1, ag::kFloat64) * static_cast<double>(w) + w * (w - 1) / 2.0).to(dtype);
  EXPECT_TRUE(t.equal(expect));
  if (ag::is_floating_point(dtype)) {
    auto a = ag::full({n}, static_cast<double>(r + 1), dtype);
    g_comm->allreduce(a, ReduceOp::Avg);
    EXPECT_TRUE(a.allclose(ag::full({n}, (w + 1) / 2.0, dtype)));
  }
}

TEST_P(Collectives, BroadcastAndAllgather) {
  auto [n, dtype] = GetParam();
  int r = g_comm->rank(), w = g_comm->world_size();
  auto t = ag::full({n}, static_cast<double>(r + 10), dtype);
  int root = w - 1;
  g_comm->broadcast(t, root);
  EXPECT_TRUE(t.equal(ag::full({n}, root + 10.0, dtype)));
  auto parts = g_comm->allgather(ag::full({n}, static_cast<double>(r), dtype));
  ASSERT_EQ(static_cast<int>(parts.size()), w);
  for (int k = 0; k < w; ++k) EXPECT_TRUE(parts[k].equal(ag::full({n}, static_cast<double>(k), dtype)));
}

INSTANTIATE_TEST_SUITE_P(SizesAndDtypes, Collectives,
                         testing::Combine(testing::Values<int64_t>(1, 7, 1000, 300000),
                                          testing::Values(ag::kFloat32, ag::kFloat64, ag::kInt64)));

TEST(CollectivesMisc, StringsBarrierAndErrors) {
  auto all = g_comm->allgather_string(std::string(static_cast<size_t>(g_comm->rank()), 'x'));
  for (int k = 0; k < g_comm->world_size(); ++k) EXPECT_EQ(all[k], std::string(static_cast<size_t>(k), 'x'));
  g_comm->barrier();
  auto nc = ag::zeros({4, 4}).t();
  EXPECT_THROW(g_comm->allreduce(nc), std::invalid_argument);
  auto ints = ag::zeros({3}, ag::kInt64);
  EXPECT_THROW(g_comm->allreduce(ints, ReduceOp::Avg), std::invalid_argument);
  EXPECT_THROW(g_comm->broadcast(ints, g_comm->world_size()), std::invalid_argument);
  EXPECT_GE(g_comm->local_size(), 1);
  EXPECT_LT(g_comm->local_rank(), g_comm->local_size());
}

namespace {
// Sets the communicator's largest MPI count while alive.
struct MaxPiece {
  int64_t prev;
  explicit MaxPiece(int64_t n) : prev(g_comm->max_piece()) { g_comm->set_max_piece(n); }
  ~MaxPiece() { g_comm->set_max_piece(prev); }
};
}  // namespace

TEST(CollectivesMisc, TinyPiecesGiveTheSameResults) {
  // Pieces of 3 elements (or bytes): every collective takes its piecewise path,
  // with a last piece shorter than the others.
  const int r = g_comm->rank(), w = g_comm->world_size();
  MaxPiece tiny(3);
  auto sum = ag::arange(0, 10, 1, ag::kFloat32) + static_cast<double>(r);
  g_comm->allreduce(sum);
  EXPECT_TRUE(sum.equal(ag::arange(0, 10, 1, ag::kFloat32) * static_cast<double>(w) + w * (w - 1) / 2.0));
  auto b = ag::arange(0, 10, 1, ag::kFloat64) * static_cast<double>(r + 1);
  g_comm->broadcast(b, w - 1);
  EXPECT_TRUE(b.equal(ag::arange(0, 10, 1, ag::kFloat64) * static_cast<double>(w)));
  auto parts = g_comm->allgather((ag::arange(0, 10, 1, ag::kFloat32) + 100.0 * r).reshape({2, 5}));
  ASSERT_EQ(static_cast<int>(parts.size()), w);
  for (int k = 0; k < w; ++k)
    EXPECT_TRUE(parts[k].equal((ag::arange(0, 10, 1, ag::kFloat32) + 100.0 * k).reshape({2, 5}))) << "rank " << k;
  EXPECT_THROW(g_comm->set_max_piece(0), std::invalid_argument);
  EXPECT_THROW(g_comm->set_max_piece(int64_t{1} << 31), std::invalid_argument);
}

TEST(CollectivesLarge, AllgatherAboveTwoGiB) {
  // Each rank's tensor is 2 GiB + 16 bytes: more bytes than an int counts. Run by
  // the slow test dist.large_allgather only (it needs 4 GiB per rank).
  if (!std::getenv("AG_TEST_LARGE_COLLECTIVES")) GTEST_SKIP() << "set AG_TEST_LARGE_COLLECTIVES=1 to run";
  const int r = g_comm->rank(), w = g_comm->world_size();
  const int64_t n = (int64_t{1} << 29) + 4;
  auto t = ag::full({n}, static_cast<double>(r), ag::kFloat32);
  t.narrow(0, n - 1, 1).fill_(1000.0 + r);  // the last element, beyond the first 2 GiB
  auto parts = g_comm->allgather(t);
  t = ag::Tensor();
  ASSERT_EQ(static_cast<int>(parts.size()), w);
  for (int k = 0; k < w; ++k) {
    EXPECT_EQ(parts[k].narrow(0, 0, 1).item(), k) << "rank " << k;
    EXPECT_EQ(parts[k].narrow(0, n - 2, 1).item(), k) << "rank " << k;
    EXPECT_EQ(parts[k].narrow(0, n - 1, 1).item(), 1000.0 + k) << "rank " << k;
  }
}
