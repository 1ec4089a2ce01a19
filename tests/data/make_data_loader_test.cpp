// libtorch-style data loading: a user's CRTP dataset, map(), make_data_loader with samplers,
// written as a libtorch program writes it (only the namespace alias differs).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <type_traits>

#include "ag/ag.h"
#include "ag/data.h"
#include "test_files.h"

namespace torch = ag;

namespace {

// A user's dataset: sample i is {data [1] = i as float, target = i * i}.
class Squares : public torch::data::datasets::Dataset<Squares> {
 public:
  explicit Squares(size_t n) : n_(n) {}
  torch::data::Example<> get(size_t index) override {
    ++gets_;
    return {torch::tensor({static_cast<float>(index)}), torch::tensor(static_cast<int64_t>(index * index))};
  }
  std::optional<size_t> size() const override { return n_; }
  int gets() const { return gets_; }

 private:
  size_t n_;
  int gets_ = 0;  // state, which each worker's copy keeps for itself
};

// A dataset that does not know its size.
class Unsized : public torch::data::datasets::Dataset<Unsized> {
 public:
  torch::data::Example<> get(size_t) override { return {}; }
  std::optional<size_t> size() const override { return std::nullopt; }
};

std::vector<int64_t> ids(const torch::data::Example<>& batch) {
  std::vector<int64_t> out;
  for (int64_t k = 0; k < batch.data.size(0); ++k) out.push_back(static_cast<int64_t>(batch.data[k][0].item<float>()));
  return out;
}

template <typename Loader>
std::vector<int64_t> all_ids(Loader& loader) {
  std::vector<int64_t> out;
  for (auto& batch : loader)
    for (int64_t i : ids(batch)) out.push_back(i);
  return out;
}

}  // namespace

TEST(CrtpDataset, GetAndDefaultGetBatch) {
  Squares ds(5);
  auto ex = ds.get(3);
  EXPECT_EQ(ex.data.item<float>(), 3.f);
  EXPECT_EQ(ex.target.item<int64_t>(), 9);
  const size_t idx[] = {4, 1};
  auto batch = ds.get_batch(idx);
  static_assert(std::is_same_v<decltype(batch), std::vector<torch::data::Example<>>>);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].target.item<int64_t>(), 16);
  EXPECT_EQ(batch[1].target.item<int64_t>(), 1);
  EXPECT_EQ(ds.gets(), 3);
}

TEST(MakeDataLoader, SequentialStackedBatches) {
  auto dataset = Squares(10).map(torch::data::transforms::Stack<>());
  EXPECT_EQ(dataset.size().value(), 10u);
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(std::move(dataset),
                                                                                       torch::data::DataLoaderOptions(4));
  std::vector<std::vector<int64_t>> batches;
  for (auto& batch : *loader) {
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(batch)>, torch::data::Example<>>);
    ASSERT_EQ(batch.data.dim(), 2);
    EXPECT_EQ(batch.data.size(1), 1);
    ASSERT_EQ(batch.target.sizes(), torch::Dims({batch.data.size(0)}));
    for (int64_t k = 0; k < batch.data.size(0); ++k) {
      const int64_t i = ids(batch)[static_cast<size_t>(k)];
      EXPECT_EQ(batch.target[k].item<int64_t>(), i * i);
    }
    batches.push_back(ids(batch));
  }
  EXPECT_EQ(batches, (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}));
  EXPECT_EQ(loader->size(), 3);
}

TEST(MakeDataLoader, UnstackedBatchesAreVectorsOfExamples) {
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      Squares(7), torch::data::DataLoaderOptions().batch_size(3).drop_last(true));
  std::vector<size_t> sizes;
  int64_t expect = 0;
  for (auto& batch : *loader) {
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(batch)>, std::vector<torch::data::Example<>>>);
    sizes.push_back(batch.size());
    for (auto& ex : batch) EXPECT_EQ(ex.data.item<float>(), static_cast<float>(expect++));
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3}));
}

TEST(MakeDataLoader, RandomSamplerShufflesAsTheDataLoaderDoes) {
  // The reference: allgrad's DataLoader with shuffle and the same seed over the same ids.
  torch::data::TensorDataset reference_ds(torch::arange(23.0, torch::dtype(torch::kFloat32)).view({23, 1}));
  torch::data::DataLoader reference(reference_ds, torch::data::DataLoaderOptions(5).shuffle(true).seed(11));
  auto loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
      Squares(23).map(torch::data::transforms::Stack<>()), torch::data::DataLoaderOptions(5).seed(11));
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<int64_t> expected;
    for (auto& batch : reference)
      for (int64_t k = 0; k < batch[0].size(0); ++k) expected.push_back(static_cast<int64_t>(batch[0][k][0].item<float>()));
    std::vector<int64_t> got = all_ids(*loader);
    EXPECT_EQ(got, expected) << "epoch " << epoch;
    std::vector<int64_t> sorted = got;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> all(23);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(sorted, all);
    EXPECT_NE(got, all);  // shuffled
  }

  // The default sampler is RandomSampler, as in libtorch; without a seed it draws from the
  // global generator exactly as DataLoader with shuffle does.
  torch::manual_seed(3);
  auto by_default = torch::data::make_data_loader(Squares(23).map(torch::data::transforms::Stack<>()), 5);
  const std::vector<int64_t> default_order = all_ids(*by_default);
  torch::manual_seed(3);
  torch::data::DataLoader global(reference_ds, torch::data::DataLoaderOptions(5).shuffle(true));
  std::vector<int64_t> expected;
  for (auto& batch : global)
    for (int64_t k = 0; k < batch[0].size(0); ++k) expected.push_back(static_cast<int64_t>(batch[0][k][0].item<float>()));
  EXPECT_EQ(default_order, expected);
}

TEST(MakeDataLoader, WorkersGiveTheSameBatchesOnTheirOwnCopies) {
  auto sequential = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      Squares(50).map(torch::data::transforms::Stack<>()), torch::data::DataLoaderOptions(4));
  auto threaded = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      Squares(50).map(torch::data::transforms::Stack<>()), torch::data::DataLoaderOptions(4).workers(3));
  EXPECT_EQ(all_ids(*threaded), all_ids(*sequential));
  EXPECT_EQ(all_ids(*threaded), all_ids(*sequential));
}

TEST(MakeDataLoader, MnistNormalizedAndStacked) {
  ag_test::TempDir dir;
  std::string pixels, labels;
  const int n = 10;
  for (int i = 0; i < n; ++i) {
    pixels += std::string(28 * 28, static_cast<char>(i * 25));
    labels.push_back(static_cast<char>(9 - i));
  }
  ag_test::write_gzip(dir.file("train-images-idx3-ubyte.gz"), ag_test::idx_bytes(0x08, {uint32_t(n), 28, 28}, pixels));
  ag_test::write_gzip(dir.file("train-labels-idx1-ubyte.gz"), ag_test::idx_bytes(0x08, {uint32_t(n)}, labels));

  auto dataset = torch::data::datasets::MNIST(dir.path().string())
                     .map(torch::data::transforms::Normalize<>(0.5, 0.25))
                     .map(torch::data::transforms::Stack<>());
  const size_t train_size = dataset.size().value();
  EXPECT_EQ(train_size, 10u);
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      std::move(dataset), torch::data::DataLoaderOptions(4).workers(2));
  int64_t seen = 0;
  for (auto& batch : *loader) {
    const int64_t b = batch.data.size(0);
    ASSERT_EQ(batch.data.sizes(), torch::Dims({b, 1, 28, 28}));
    ASSERT_EQ(batch.target.sizes(), torch::Dims({b}));
    for (int64_t k = 0; k < b; ++k) {
      const int64_t i = seen + k;
      const float expected = (static_cast<float>(i * 25) / 255.0f - 0.5f) / 0.25f;
      EXPECT_NEAR(batch.data[k][0][13][7].item<float>(), expected, 1e-6) << i;
      EXPECT_EQ(batch.target[k].item<int64_t>(), 9 - i);
    }
    seen += b;
  }
  EXPECT_EQ(seen, 10);
}

TEST(MakeDataLoader, DistributedSamplersAndOwnDatasets) {
  // libtorch's distributed sampler: rank 1 of 3 gets the same indices as DistributedSampler.
  torch::data::DistributedSampler reference(10, 3, 1, /*shuffle=*/true, /*seed=*/0, /*drop_last=*/false);
  auto loader = torch::data::make_data_loader(Squares(10).map(torch::data::transforms::Stack<>()),
                                              torch::data::samplers::DistributedRandomSampler(10, 3, 1),
                                              torch::data::DataLoaderOptions(2));
  EXPECT_EQ(all_ids(*loader), reference.indices());
  torch::data::samplers::DistributedSequentialSampler strict(10, 3, 1, /*allow_duplicates=*/false);
  EXPECT_EQ(strict.size(), 3);  // floor(10 / 3): the tail is dropped
  EXPECT_EQ(strict.indices(), (std::vector<int64_t>{1, 4, 7}));

  // make_data_loader also takes allgrad's own datasets and yields collated Example<> batches.
  torch::data::TensorDataset own(torch::arange(6.0, torch::dtype(torch::kFloat32)).view({6, 1}), torch::arange(6.0));
  auto own_loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(own, 4);
  std::vector<int64_t> seen;
  for (auto& batch : *own_loader)
    for (int64_t k = 0; k < batch.data.size(0); ++k) seen.push_back(batch.target[k].item<int64_t>());
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
}

TEST(MakeDataLoader, ClearErrors) {
  EXPECT_THROW(torch::data::make_data_loader(Unsized(), 2), std::invalid_argument);
  EXPECT_THROW(torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(Squares(4), torch::data::DataLoaderOptions(2).shuffle(true)),
               std::invalid_argument);
  EXPECT_THROW(torch::data::make_data_loader(Squares(4), torch::data::DataLoaderOptions(2).sampler(
                                                              std::make_shared<torch::data::SequentialSampler>(4))),
               std::invalid_argument);
  auto loader = torch::data::make_data_loader(Squares(4), 2);
  EXPECT_THROW(loader->dataset(), std::logic_error);
}
