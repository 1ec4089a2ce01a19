// DataLoader position: resuming mid-epoch yields exactly the batches an uninterrupted run would.
#include <gtest/gtest.h>

#include <map>

#include "ag/ag.h"
#include "ag/data.h"

using namespace ag;
using namespace ag::data;

namespace {

using Batches = std::vector<std::vector<int64_t>>;

TensorDataset id_dataset(int64_t n) { return TensorDataset(arange(static_cast<double>(n))); }

std::vector<int64_t> ids(const Example<>& b) {
  return std::vector<int64_t>(b[0].data_ptr<int64_t>(), b[0].data_ptr<int64_t>() + b[0].numel());
}

Batches epoch(DataLoader<Example<>>& loader) {
  Batches out;
  for (auto& b : loader) out.push_back(ids(b));
  return out;
}

struct SavedPosition {
  LoaderPosition position;
  Generator::State global;
};

// Runs one epoch, checkpointing after `k` batches (loader position + global generator, as a
// training checkpoint would); returns the batches after the checkpoint, then one more epoch.
std::pair<Batches, Batches> run_with_checkpoint(DataLoader<Example<>>& loader, int64_t k, SavedPosition* ckpt) {
  Batches rest;
  int64_t seen = 0;
  for (auto& b : loader) {
    if (seen++ < k) {
      if (seen == k) *ckpt = {loader.position(), default_generator().get_state()};
      continue;
    }
    rest.push_back(ids(b));
  }
  if (k == 0) *ckpt = {loader.position(), default_generator().get_state()};
  return {rest, epoch(loader)};
}

void expect_resume_matches(const DataLoaderOptions& options, int64_t n, int64_t k, const std::string& what) {
  manual_seed(31);
  DataLoader reference(id_dataset(n), options);
  epoch(reference);  // start from the second epoch, so the epoch-to-epoch state matters too
  SavedPosition ckpt;
  auto [rest, next] = run_with_checkpoint(reference, k, &ckpt);
  EXPECT_TRUE(ckpt.position.mid_pass || k == 0) << what;
  EXPECT_EQ(ckpt.position.batches, k) << what;

  manual_seed(12345);  // a new process: nothing shared with the reference run
  DataLoader resumed(id_dataset(n), options);
  default_generator().set_state(ckpt.global);
  resumed.load_position(ckpt.position);
  EXPECT_EQ(epoch(resumed), rest) << what;
  EXPECT_FALSE(resumed.position().mid_pass) << what;
  EXPECT_EQ(epoch(resumed), next) << what;
}

}  // namespace

TEST(LoaderResume, MidEpochGivesTheRemainingBatches) {
  const std::vector<std::pair<std::string, DataLoaderOptions>> configs = {
      {"shuffle", DataLoaderOptions(4).shuffle(true)},
      {"shuffle+seed", DataLoaderOptions(4).shuffle(true).seed(8)},
      {"shuffle+drop_last", DataLoaderOptions(4).shuffle(true).drop_last(true)},
      {"shuffle+workers", DataLoaderOptions(3).shuffle(true).num_workers(2)},
      {"sequential", DataLoaderOptions(5)},
      {"seeded sampler", DataLoaderOptions(4).sampler(std::make_shared<RandomSampler>(RandomSampler::with_seed(23, 4)))},
  };
  for (const auto& [name, options] : configs)
    for (int64_t k : {1, 3, 4}) expect_resume_matches(options, 23, k, name + " k=" + std::to_string(k));
}

TEST(LoaderResume, ResumedRunMatchesTheGlobalStreamOfAnUninterruptedRun) {
  // After the resumed epoch and one more, the global generator is where the reference run left it.
  const auto options = DataLoaderOptions(4).shuffle(true);
  manual_seed(3);
  DataLoader reference(id_dataset(17), options);
  SavedPosition ckpt;
  run_with_checkpoint(reference, 2, &ckpt);
  const uint32_t reference_next = default_generator().random();

  manual_seed(4);
  DataLoader resumed(id_dataset(17), options);
  default_generator().set_state(ckpt.global);
  resumed.load_position(ckpt.position);
  epoch(resumed);
  epoch(resumed);
  EXPECT_EQ(default_generator().random(), reference_next);
}

TEST(LoaderResume, BetweenEpochsAfterTheLastBatch) {
  // A checkpoint taken inside the loop body of the last batch: the next epoch must match.
  const auto options = DataLoaderOptions(4).shuffle(true).seed(21);
  DataLoader reference(id_dataset(12), options);
  SavedPosition ckpt;
  int64_t seen = 0;
  for (auto& b : reference) {
    (void)b;
    if (++seen == reference.size()) ckpt = {reference.position(), default_generator().get_state()};
  }
  EXPECT_FALSE(ckpt.position.mid_pass);
  Batches next = epoch(reference);

  DataLoader resumed(id_dataset(12), options);
  default_generator().set_state(ckpt.global);
  resumed.load_position(ckpt.position);
  EXPECT_EQ(epoch(resumed), next);
}

TEST(LoaderResume, PositionMismatchesAreRejected) {
  DataLoader seeded(id_dataset(10), DataLoaderOptions(2).shuffle(true).seed(1));
  DataLoader plain(id_dataset(10), DataLoaderOptions(2).shuffle(true));
  DataLoader bigger(id_dataset(11), DataLoaderOptions(2).shuffle(true));
  for (auto& b : plain) {
    (void)b;
    break;
  }
  LoaderPosition pos = plain.position();
  EXPECT_THROW(seeded.load_position(pos), std::invalid_argument);
  EXPECT_THROW(bigger.load_position(pos), std::invalid_argument);
}

TEST(LoaderResume, DistributedLoaderReshardsToAnotherWorldSize) {
  const int64_t n = 50, batch = 3, steps = 2;
  std::map<int64_t, int> count;
  LoaderPosition saved;
  for (int64_t r = 0; r < 4; ++r) {
    auto sampler = std::make_shared<DistributedSampler>(n, 4, r);
    DataLoader loader(id_dataset(n), DataLoaderOptions(batch).sampler(sampler));
    loader.set_epoch(5);
    int64_t seen = 0;
    for (auto& b : loader) {
      for (int64_t i : ids(b)) ++count[i];
      if (++seen == steps) break;
    }
    LoaderPosition p = loader.position();
    EXPECT_EQ(p.sampler.consumed, steps * batch * 4);
    EXPECT_EQ(p.epoch(), 5);
    saved = p;
  }
  int64_t visits = 0;
  std::vector<int64_t> batches_per_rank;
  for (int64_t r = 0; r < 3; ++r) {
    auto sampler = std::make_shared<DistributedSampler>(n, 3, r);
    DataLoader loader(id_dataset(n), DataLoaderOptions(batch).sampler(sampler));
    loader.load_position(saved);
    int64_t nb = 0;
    for (auto& b : loader) {
      for (int64_t i : ids(b)) {
        ++count[i];
        ++visits;
      }
      ++nb;
    }
    batches_per_rank.push_back(nb);
  }
  // 26 samples remain for 3 ranks: 9 each, the one padding entry repeating an early sample.
  EXPECT_EQ(visits, 27);
  EXPECT_EQ(batches_per_rank, (std::vector<int64_t>{3, 3, 3}));
  EXPECT_EQ(count.size(), 50u);
  int repeats = 0;
  for (auto& [i, c] : count) repeats += c - 1;
  EXPECT_EQ(repeats, 1);
}
