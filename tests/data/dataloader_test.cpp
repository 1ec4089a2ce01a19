// DataLoader: batching, PyTorch's random-number consumption, collate_fn, prefetch threads.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <numeric>
#include <thread>
#include <tuple>

#include "ag/ag.h"
#include "ag/data.h"

using namespace ag;
using namespace ag::data;

namespace {

uint64_t int64_draw(Generator& g) { return g.random64() % (1ULL << 63); }

// Samples are {features [2], id}; batches are identified by their ids.
TensorDataset id_dataset(int64_t n) {
  return TensorDataset(arange(static_cast<double>(2 * n), dtype(kFloat32)).view({n, 2}), arange(static_cast<double>(n)));
}

std::vector<int64_t> ids(const Example<>& batch) {
  const Tensor& t = batch[1];
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

template <typename Loader>
std::vector<std::vector<int64_t>> epoch_ids(Loader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (auto& batch : loader) out.push_back(ids(batch));
  return out;
}

std::vector<std::vector<int64_t>> chunk(const std::vector<int64_t>& order, int64_t b, bool drop_last = false) {
  std::vector<std::vector<int64_t>> out;
  for (size_t i = 0; i < order.size(); i += static_cast<size_t>(b)) {
    std::vector<int64_t> part(order.begin() + static_cast<std::ptrdiff_t>(i),
                              order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), i + static_cast<size_t>(b))));
    if (drop_last && static_cast<int64_t>(part.size()) < b) break;
    out.push_back(part);
  }
  return out;
}

std::vector<int64_t> range_ids(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace

TEST(DataLoader, BatchesInOrderWithLengthAndDropLast) {
  TensorDataset ds = id_dataset(10);
  DataLoader loader(ds, DataLoaderOptions(4));
  static_assert(std::is_same_v<decltype(loader), DataLoader<Example<>>>);
  EXPECT_EQ(loader.size(), 3);
  EXPECT_EQ(epoch_ids(loader), chunk(range_ids(10), 4));
  int count = 0;
  for (auto& batch : loader) {
    auto [x, y] = batch.unpack<2>();
    EXPECT_EQ(x.size(1), 2);
    EXPECT_EQ(x.dtype(), kFloat32);
    EXPECT_EQ(y.dtype(), kInt64);
    EXPECT_TRUE(x.select(1, 0).equal((y * 2).to(kFloat32)));
    ++count;
  }
  EXPECT_EQ(count, 3);
  DataLoader dropping(ds, DataLoaderOptions(4).drop_last(true));
  EXPECT_EQ(dropping.size(), 2);
  EXPECT_EQ(epoch_ids(dropping), chunk(range_ids(10), 4, true));
  DataLoader ones(ds);  // PyTorch's default batch_size=1
  EXPECT_EQ(ones.size(), 10);
  EXPECT_EQ(epoch_ids(ones).front(), (std::vector<int64_t>{0}));
}

TEST(DataLoader, WithoutShuffleEachPassStillDrawsTheBaseSeed) {
  manual_seed(2024);
  Generator ref(2024);
  DataLoader loader(id_dataset(6), DataLoaderOptions(4));
  for (int epoch = 0; epoch < 3; ++epoch) {
    epoch_ids(loader);
    EXPECT_EQ(loader.base_seed(), static_cast<int64_t>(int64_draw(ref)));
  }
  EXPECT_EQ(default_generator().random(), ref.random());
}

TEST(DataLoader, ShuffleWithoutGeneratorFollowsPyTorch) {
  manual_seed(0);
  Generator ref(0);
  DataLoader loader(id_dataset(23), DataLoaderOptions(5).shuffle(true));
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<std::vector<int64_t>> got = epoch_ids(loader);
    int64_draw(ref);                     // _base_seed
    Generator priv(int64_draw(ref));     // RandomSampler's seed
    EXPECT_EQ(got, chunk(randperm_vector(23, priv), 5)) << "epoch " << epoch;
  }
  EXPECT_EQ(default_generator().random(), ref.random());
}

TEST(DataLoader, ShuffleWithGeneratorUsesItForEverything) {
  manual_seed(1);
  const uint64_t global_before = Generator(1).random();
  auto g = std::make_shared<Generator>(99);
  DataLoader loader(id_dataset(10), DataLoaderOptions(4).shuffle(true).generator(g));
  DataLoader seeded(id_dataset(10), DataLoaderOptions(4).shuffle(true).seed(99));
  Generator ref(99);
  for (int epoch = 0; epoch < 3; ++epoch) {
    int64_draw(ref);
    std::vector<std::vector<int64_t>> expected = chunk(randperm_vector(10, ref), 4);
    randperm_vector(10, ref);  // the trailing draw at exhaustion
    EXPECT_EQ(epoch_ids(loader), expected) << "epoch " << epoch;
    EXPECT_EQ(epoch_ids(seeded), expected) << "epoch " << epoch;
  }
  EXPECT_EQ(g->random(), ref.random());
  EXPECT_EQ(default_generator().random(), global_before);  // the global generator was not touched
}

TEST(DataLoader, BreakingEarlySkipsTheTrailingDrawAsPyTorchDoes) {
  // 8 samples in batches of 4: the sampler is exhausted only when a third batch is asked for.
  DataLoader loader(id_dataset(8), DataLoaderOptions(4).shuffle(true).seed(5));
  Generator ref(5);
  int seen = 0;
  for (auto& batch : loader) {
    (void)batch;
    if (++seen == 2) break;
  }
  int64_draw(ref);
  randperm_vector(8, ref);
  int64_draw(ref);
  EXPECT_EQ(epoch_ids(loader), chunk(randperm_vector(8, ref), 4));
}

TEST(DataLoader, CustomCollateMayReturnAnyBatchType) {
  ListDataset ds({{tensor({1.f, 2.f, 3.f}), tensor(0)}, {tensor({4.f}), tensor(1)}, {tensor({5.f, 6.f}), tensor(0)}});
  auto collate = [](std::vector<Example<>> examples) {
    std::vector<Tensor> seqs, labels;
    std::vector<int64_t> lengths;
    for (Example<>& e : examples) {
      seqs.push_back(e[0]);
      labels.push_back(e[1]);
      lengths.push_back(e[0].size(0));
    }
    return std::tuple{pad_sequence(seqs, true), stack(labels), from_vector(lengths, {static_cast<int64_t>(lengths.size())})};
  };
  DataLoader loader(ds, DataLoaderOptions(2), collate);
  static_assert(std::is_same_v<decltype(loader), DataLoader<std::tuple<Tensor, Tensor, Tensor>>>);
  std::vector<std::vector<int64_t>> lengths;
  for (auto& [inputs, labels, lens] : loader) {
    EXPECT_EQ(inputs.size(0), labels.size(0));
    lengths.push_back(std::vector<int64_t>(lens.data_ptr<int64_t>(), lens.data_ptr<int64_t>() + lens.numel()));
    if (lengths.size() == 1) {
      EXPECT_TRUE(inputs.equal(tensor({{1.f, 2.f, 3.f}, {4.f, 0.f, 0.f}})));
    }
  }
  EXPECT_EQ(lengths, (std::vector<std::vector<int64_t>>{{3, 1}, {2}}));
}

TEST(DataLoader, OptionErrors) {
  TensorDataset ds = id_dataset(4);
  EXPECT_THROW(DataLoader(ds, DataLoaderOptions(0)), std::invalid_argument);
  EXPECT_THROW(DataLoader(ds, DataLoaderOptions().shuffle(true).sampler(std::make_shared<SequentialSampler>(4))), std::invalid_argument);
  EXPECT_THROW(DataLoader(ds, DataLoaderOptions().generator(std::make_shared<Generator>(1)).seed(1)), std::invalid_argument);
  EXPECT_THROW(DataLoader(ds, DataLoaderOptions().num_workers(-1)), std::invalid_argument);
}

// ---- prefetching

namespace {

// A dataset that is slow to read and fails on chosen indices.
class FlakyDataset : public Dataset {
 public:
  FlakyDataset(int64_t n, std::vector<int64_t> bad, std::chrono::microseconds delay = std::chrono::microseconds(0))
      : n_(n), bad_(std::move(bad)), delay_(delay) {}
  int64_t size() const override { return n_; }
  Example<> get(int64_t i) const override {
    check_index(i, n_, "FlakyDataset");
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    for (int64_t b : bad_)
      if (i == b) throw std::runtime_error("FlakyDataset: cannot read sample " + std::to_string(i));
    return {full({3}, static_cast<double>(i)), tensor(i)};
  }

 private:
  int64_t n_;
  std::vector<int64_t> bad_;
  std::chrono::microseconds delay_;
};

}  // namespace

TEST(DataLoaderPrefetch, SameBatchesAndRandomNumbersWithAndWithoutWorkers) {
  std::vector<std::vector<std::vector<int64_t>>> runs;
  std::vector<uint32_t> after;
  for (int workers : {0, 1, 3}) {
    manual_seed(77);
    DataLoader loader(id_dataset(103), DataLoaderOptions(8).shuffle(true).num_workers(workers).prefetch_factor(2));
    std::vector<std::vector<int64_t>> both = epoch_ids(loader);
    std::vector<std::vector<int64_t>> second = epoch_ids(loader);
    both.insert(both.end(), second.begin(), second.end());
    runs.push_back(both);
    after.push_back(default_generator().random());
  }
  EXPECT_EQ(runs[1], runs[0]);
  EXPECT_EQ(runs[2], runs[0]);
  EXPECT_EQ(after[1], after[0]);
  EXPECT_EQ(after[2], after[0]);
}

TEST(DataLoaderPrefetch, WorkersRunTheCollateFunction) {
  FlakyDataset ds(20, {}, std::chrono::microseconds(200));
  std::atomic<int> calls{0};
  auto collate = [&calls](std::vector<Example<>> ex) {
    ++calls;
    return default_collate(ex);
  };
  DataLoader loader(ds, DataLoaderOptions(3).num_workers(2), collate);
  std::vector<std::vector<int64_t>> got = epoch_ids(loader);
  EXPECT_EQ(got, chunk(range_ids(20), 3));
  EXPECT_EQ(calls.load(), 7);
}

TEST(DataLoaderPrefetch, ExceptionsReachTheConsumerAtTheFailingBatch) {
  for (int workers : {0, 2}) {
    FlakyDataset ds(12, {5});
    DataLoader loader(ds, DataLoaderOptions(2).num_workers(workers));
    std::vector<std::vector<int64_t>> got;
    auto it = loader.begin();
    std::string error;
    while (!(it == loader.end())) {
      got.push_back(ids(*it));
      try {
        ++it;
      } catch (const std::runtime_error& e) {
        error = e.what();
        ++it;  // skip the failed batch, as a caller that logs and continues would
      }
    }
    EXPECT_NE(error.find("sample 5"), std::string::npos) << "workers=" << workers;
    EXPECT_EQ(got, (std::vector<std::vector<int64_t>>{{0, 1}, {2, 3}, {6, 7}, {8, 9}, {10, 11}})) << "workers=" << workers;
  }
  FlakyDataset first_bad(4, {0});
  DataLoader failing(first_bad, DataLoaderOptions(2).num_workers(1));
  EXPECT_THROW(failing.begin(), std::runtime_error);
}

TEST(DataLoaderPrefetch, DestroyingMidEpochJoinsTheWorkers) {
  FlakyDataset ds(400, {}, std::chrono::microseconds(300));
  {
    DataLoader loader(ds, DataLoaderOptions(4).num_workers(3).prefetch_factor(4));
    int seen = 0;
    for (auto& batch : loader) {
      (void)batch;
      if (++seen == 2) break;  // the iterator, and with it the threads, go here
    }
  }
  auto loader = std::make_unique<DataLoader<Example<>>>(ds, DataLoaderOptions(4).num_workers(2));
  auto it = loader->begin();
  loader.reset();  // the running pass keeps what it needs
  ++it;
  EXPECT_EQ(ids(*it), (std::vector<int64_t>{4, 5, 6, 7}));
}
