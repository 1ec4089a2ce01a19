// DistributedSampler: PyTorch's assignment, coverage across ranks, resharding on resume.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>

#include "ag/ag.h"
#include "ag/data.h"

using namespace ag;
using namespace ag::data;

namespace {

// torch.utils.data.distributed.DistributedSampler.__iter__, transcribed line by line.
std::vector<int64_t> torch_assignment(int64_t n, int64_t R, int64_t r, bool shuffle, uint64_t seed, int64_t epoch, bool drop_last) {
  std::vector<int64_t> indices;
  if (shuffle) {
    Generator g;
    g.manual_seed(seed + static_cast<uint64_t>(epoch));
    indices = randperm_vector(n, g);
  } else {
    indices.resize(static_cast<size_t>(n));
    std::iota(indices.begin(), indices.end(), 0);
  }
  int64_t num_samples;
  if (drop_last && n % R != 0)
    num_samples = static_cast<int64_t>(std::ceil(static_cast<double>(n - R) / static_cast<double>(R)));
  else
    num_samples = static_cast<int64_t>(std::ceil(static_cast<double>(n) / static_cast<double>(R)));
  const int64_t total = num_samples * R;
  if (!drop_last) {
    const int64_t padding = total - static_cast<int64_t>(indices.size());
    if (padding <= static_cast<int64_t>(indices.size())) {
      indices.insert(indices.end(), indices.begin(), indices.begin() + padding);
    } else if (n > 0) {
      std::vector<int64_t> repeated;
      const auto times = static_cast<int64_t>(std::ceil(static_cast<double>(padding) / static_cast<double>(n)));
      for (int64_t t = 0; t < times; ++t) repeated.insert(repeated.end(), indices.begin(), indices.end());
      indices.insert(indices.end(), repeated.begin(), repeated.begin() + padding);
    }
  } else {
    indices.resize(static_cast<size_t>(total));
  }
  std::vector<int64_t> mine;
  for (int64_t i = r; i < total; i += R) mine.push_back(indices[static_cast<size_t>(i)]);
  return mine;
}

}  // namespace

TEST(DistributedSampler, HandDerivedAssignmentWithoutShuffle) {
  // N = 10, R = 4: num_samples = ceil(10/4) = 3, total 12, order 0..9 then 0, 1 as padding;
  // rank r takes entries r, r+4, r+8.
  const std::vector<std::vector<int64_t>> expected = {{0, 4, 8}, {1, 5, 9}, {2, 6, 0}, {3, 7, 1}};
  for (int64_t r = 0; r < 4; ++r) {
    DistributedSampler s(10, 4, r, /*shuffle=*/false);
    EXPECT_EQ(s.num_samples(), 3);
    EXPECT_EQ(s.total_size(), 12);
    EXPECT_EQ(s.start_pass(), expected[static_cast<size_t>(r)]) << "rank " << r;
  }
  // With drop_last: num_samples = ceil((10 - 4) / 4) = 2, total 8, entries 8 and 9 dropped.
  const std::vector<std::vector<int64_t>> dropped = {{0, 4}, {1, 5}, {2, 6}, {3, 7}};
  for (int64_t r = 0; r < 4; ++r)
    EXPECT_EQ(DistributedSampler(10, 4, r, false, 0, true).start_pass(), dropped[static_cast<size_t>(r)]);
  // N = 2, R = 5: padding (3) exceeds N and cycles: 0 1 0 1 0.
  const std::vector<int64_t> cycled = {0, 1, 0, 1, 0};
  for (int64_t r = 0; r < 5; ++r) EXPECT_EQ(DistributedSampler(2, 5, r, false).start_pass(), (std::vector<int64_t>{cycled[r]}));
}

TEST(DistributedSampler, ShuffledLiteral) {
  // randperm(10) from a generator seeded 0 is [4, 1, 7, 5, 3, 9, 0, 8, 6, 2]; rank 0 of 4 takes
  // entries 0, 4, 8 -> [4, 3, 6]; rank 3 takes entries 3, 7, 11 (11 wraps to entry 1) -> [5, 8, 1].
  EXPECT_EQ(DistributedSampler(10, 4, 0).start_pass(), (std::vector<int64_t>{4, 3, 6}));
  EXPECT_EQ(DistributedSampler(10, 4, 3).start_pass(), (std::vector<int64_t>{5, 8, 1}));
}

TEST(DistributedSampler, MatchesPyTorchOnATableOfCases) {
  struct Case { int64_t n, R; bool shuffle; uint64_t seed; int64_t epoch; bool drop_last; };
  const std::vector<Case> cases = {
      {0, 3, true, 0, 0, false},  {1, 4, true, 0, 0, false},   {7, 3, true, 0, 0, false},   {7, 3, true, 0, 0, true},
      {100, 8, true, 42, 3, false}, {100, 8, true, 42, 3, true}, {101, 7, false, 0, 0, false}, {101, 7, false, 0, 0, true},
      {3, 8, true, 1, 2, false},  {3, 8, true, 1, 2, true},    {64, 4, true, 123, 9, false}, {1000, 6, true, 5, 1, true},
  };
  for (const Case& c : cases)
    for (int64_t r = 0; r < c.R; ++r) {
      DistributedSampler s(c.n, c.R, r, c.shuffle, c.seed, c.drop_last);
      s.set_epoch(c.epoch);
      EXPECT_EQ(s.start_pass(), torch_assignment(c.n, c.R, r, c.shuffle, c.seed, c.epoch, c.drop_last))
          << "N=" << c.n << " R=" << c.R << " rank=" << r << " shuffle=" << c.shuffle << " drop_last=" << c.drop_last;
      EXPECT_EQ(s.indices(), s.start_pass());
    }
}

TEST(DistributedSampler, EverySampleOnceAcrossRanksExceptPadding) {
  for (int64_t n = 0; n <= 40; ++n)
    for (int64_t R = 1; R <= 8; ++R)
      for (bool shuffle : {false, true})
        for (bool drop_last : {false, true}) {
          std::map<int64_t, int64_t> count;
          int64_t per_rank = -1;
          for (int64_t r = 0; r < R; ++r) {
            DistributedSampler s(n, R, r, shuffle, 17, drop_last);
            s.set_epoch(n);
            std::vector<int64_t> mine = s.start_pass();
            if (per_rank < 0) per_rank = static_cast<int64_t>(mine.size());
            ASSERT_EQ(static_cast<int64_t>(mine.size()), per_rank) << "ranks get different counts";
            ASSERT_EQ(static_cast<int64_t>(mine.size()), s.num_samples());
            for (int64_t i : mine) {
              ASSERT_TRUE(i >= 0 && i < n);
              ++count[i];
            }
          }
          const std::string where = "N=" + std::to_string(n) + " R=" + std::to_string(R) + " shuffle=" + std::to_string(shuffle) +
                                    " drop_last=" + std::to_string(drop_last);
          if (drop_last) {
            // Each seen sample exactly once; exactly N mod R samples are left out.
            int64_t seen = 0;
            for (auto& [i, c] : count) {
              EXPECT_EQ(c, 1) << where;
              ++seen;
            }
            EXPECT_EQ(seen, n - n % R) << where;
          } else {
            // Every sample at least once; the padding (total - N) repeats samples from the start of the order.
            EXPECT_EQ(static_cast<int64_t>(count.size()), n) << where;
            int64_t extra = 0;
            for (auto& [i, c] : count) extra += c - 1;
            EXPECT_EQ(extra, per_rank * R - n) << where;
          }
        }
}

TEST(DistributedSampler, EpochChangesTheOrderAndRankChecksHold) {
  DistributedSampler s(50, 2, 1);
  std::vector<int64_t> e0 = s.start_pass();
  s.set_epoch(1);
  EXPECT_NE(s.start_pass(), e0);
  s.set_epoch(0);
  EXPECT_EQ(s.start_pass(), e0);
  EXPECT_THROW(DistributedSampler(10, 2, 2), std::invalid_argument);
  EXPECT_THROW(DistributedSampler(10, 0, 0), std::invalid_argument);
  EXPECT_THROW(DistributedSampler(10, 2, -1), std::invalid_argument);
}

namespace {

// Runs `k` local steps on each of R ranks, then resumes the epoch with R2 ranks; returns how
// often each sample was visited in the whole epoch and checks the same-world case bitwise.
std::map<int64_t, int64_t> interrupted_epoch(int64_t n, int64_t R, int64_t k, int64_t R2, bool drop_last, int64_t* padding_out) {
  std::map<int64_t, int64_t> count;
  SamplerState saved;
  for (int64_t r = 0; r < R; ++r) {
    DistributedSampler s(n, R, r, true, 3, drop_last);
    s.set_epoch(2);
    std::vector<int64_t> mine = s.start_pass();
    for (int64_t j = 0; j < k && j < static_cast<int64_t>(mine.size()); ++j) ++count[mine[static_cast<size_t>(j)]];
    SamplerState st = s.state(k);
    if (r > 0) {
      EXPECT_EQ(st.consumed, saved.consumed) << "ranks disagree on the global cursor";
    }
    saved = st;
  }
  EXPECT_EQ(saved.consumed, std::min(k * R, saved.pass_samples));
  EXPECT_EQ(saved.epoch, 2);
  int64_t visits = 0;
  for (int64_t r = 0; r < R2; ++r) {
    DistributedSampler s(n, R2, r, true, 3, drop_last);
    s.load_state(saved);
    std::vector<int64_t> rest = s.start_pass();
    if (R2 == R) {
      DistributedSampler whole(n, R, r, true, 3, drop_last);
      whole.set_epoch(2);
      std::vector<int64_t> all = whole.start_pass();
      EXPECT_EQ(rest, std::vector<int64_t>(all.begin() + std::min<int64_t>(k, static_cast<int64_t>(all.size())), all.end()));
    }
    for (int64_t i : rest) ++count[i];
    visits += static_cast<int64_t>(rest.size());
    EXPECT_FALSE(s.state(static_cast<int64_t>(rest.size())).mid_pass);
  }
  const int64_t remaining = saved.pass_samples - saved.consumed;
  *padding_out = visits - std::max<int64_t>(remaining, 0);
  return count;
}

}  // namespace

TEST(DistributedSampler, ResumeWithAnotherWorldSizeSeesEveryRemainingSampleOnce) {
  for (int64_t n : {1, 10, 37, 100})
    for (int64_t R : {1, 2, 3, 4, 8})
      for (int64_t R2 : {1, 2, 3, 5, 8})
        for (bool drop_last : {false, true})
          for (int64_t k : {0, 1, 3}) {
            const int64_t pass_samples = drop_last ? n / R * R : n;
            if (pass_samples == 0 || k * R >= pass_samples) continue;  // no epoch left to interrupt
            int64_t padding = 0;
            std::map<int64_t, int64_t> count = interrupted_epoch(n, R, k, R2, drop_last, &padding);
            const std::string where = "N=" + std::to_string(n) + " R=" + std::to_string(R) + " R2=" + std::to_string(R2) +
                                      " k=" + std::to_string(k) + " drop_last=" + std::to_string(drop_last);
            EXPECT_GE(padding, 0) << where;
            EXPECT_LT(padding, R2) << where;
            // Every sample of the epoch's set is visited; beyond once, only padding repeats.
            int64_t repeats = 0;
            for (auto& [i, c] : count) repeats += c - 1;
            EXPECT_EQ(static_cast<int64_t>(count.size()), pass_samples) << where;
            EXPECT_EQ(repeats, padding) << where;
          }
}

TEST(DistributedSampler, LoadStateChecksTheDatasetSize) {
  DistributedSampler a(20, 2, 0);
  a.start_pass();
  SamplerState st = a.state(3);
  DistributedSampler b(21, 2, 0);
  EXPECT_THROW(b.load_state(st), std::invalid_argument);
}

// GlobalBatchSampler: rank q of W takes the q-th contiguous block of B samples of every
// global batch of the epoch's order, on any W; the incomplete last global batch is left
// out; a resume on another world size after whole global batches re-splits the rest by blocks.
TEST(GlobalBatchSampler, RankTakesItsContiguousBlockOfEachGlobalBatch) {
  const int64_t n = 37, G = 8;
  Generator g;
  g.manual_seed(5 + 2);  // seed 5, epoch 2
  const std::vector<int64_t> order = randperm_vector(n, g);
  for (int64_t W : {1, 2, 4, 8}) {
    const int64_t B = G / W;
    for (int64_t q = 0; q < W; ++q) {
      GlobalBatchSampler s(n, B, W, q, /*shuffle=*/true, /*seed=*/5);
      s.set_epoch(2);
      const std::vector<int64_t> got = s.indices();
      ASSERT_EQ(static_cast<int64_t>(got.size()), (n / G) * B) << "W " << W << " rank " << q << ": whole global batches only";
      for (int64_t k = 0; k < n / G; ++k)
        for (int64_t j = 0; j < B; ++j)
          EXPECT_EQ(got[static_cast<size_t>(k * B + j)], order[static_cast<size_t>(k * G + q * B + j)])
              << "W " << W << " rank " << q << " global batch " << k << " entry " << j;
    }
  }
  EXPECT_THROW(GlobalBatchSampler(10, 0, 1, 0), std::invalid_argument);
}

TEST(GlobalBatchSampler, ResumesOnAnotherWorldSizeByBlocks) {
  const int64_t n = 37, G = 8;
  Generator g;
  g.manual_seed(5 + 1);
  const std::vector<int64_t> order = randperm_vector(n, g);
  GlobalBatchSampler two(n, G / 2, 2, 1, true, 5);
  two.set_epoch(1);
  two.start_pass();
  const SamplerState after = two.state(2 * (G / 2));  // two global batches done
  for (int64_t q = 0; q < 4; ++q) {
    GlobalBatchSampler four(n, G / 4, 4, q, true, 5);
    four.set_epoch(1);
    four.load_state(after);
    const std::vector<int64_t> rest = four.start_pass();
    ASSERT_EQ(static_cast<int64_t>(rest.size()), (n / G - 2) * (G / 4)) << "rank " << q;
    for (int64_t k = 0; k < n / G - 2; ++k)
      for (int64_t j = 0; j < G / 4; ++j)
        EXPECT_EQ(rest[static_cast<size_t>(k * (G / 4) + j)], order[static_cast<size_t>((k + 2) * G + q * (G / 4) + j)])
            << "rank " << q << " global batch " << k + 2 << " entry " << j;
  }
}
