// Datasets: TensorDataset, ListDataset, Subset, random_split, ConcatDataset, npy_dataset.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "ag/ag.h"
#include "ag/data.h"
#include "data/test_files.h"

using namespace ag;
using namespace ag::data;

namespace {
Tensor rows_tensor(int64_t n, int64_t width) {
  return arange(static_cast<double>(n * width), dtype(kFloat32)).view({n, width});
}
}  // namespace

TEST(TensorDataset, ZipsTensorsByFirstDimension) {
  Tensor x = rows_tensor(5, 3);
  Tensor y = arange(5.0) * 10;
  TensorDataset ds(x, y);
  ASSERT_EQ(ds.size(), 5);
  Example<> ex = ds.get(2);
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_TRUE(ex[0].equal(tensor({6.f, 7.f, 8.f})));
  EXPECT_EQ(ex[1].item<int64_t>(), 20);
  auto [a, b] = ex.unpack<2>();
  EXPECT_TRUE(a.equal(x[2]));
  EXPECT_THROW(ex.unpack<3>(), std::invalid_argument);
  EXPECT_THROW(ex[2], std::out_of_range);
}

TEST(TensorDataset, GetBatchGathersRowsLikeCollatingSamples) {
  Tensor x = rows_tensor(7, 4);
  Tensor y = arange(7.0);
  TensorDataset ds(x, y);
  const std::vector<int64_t> idx = {6, 0, 3, 3};
  Example<> fast = ds.get_batch(idx);
  std::vector<Example<>> samples;
  for (int64_t i : idx) samples.push_back(ds.get(i));
  Example<> slow = default_collate(samples);
  ASSERT_EQ(fast.size(), 2u);
  EXPECT_TRUE(fast[0].equal(slow[0]));
  EXPECT_TRUE(fast[1].equal(slow[1]));
  EXPECT_EQ(fast[0].sizes(), (Dims{4, 4}));
  EXPECT_TRUE(fast[0][0].equal(x[6]));
  // A non-contiguous source takes the stacking path and gives the same rows.
  TensorDataset strided(x.t().contiguous().t());
  EXPECT_TRUE(strided.get_batch(idx)[0].equal(fast[0]));
}

TEST(TensorDataset, RejectsMismatchedAndScalarTensors) {
  try {
    TensorDataset ds(rows_tensor(5, 2), arange(4.0));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("5"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("4"), std::string::npos);
  }
  EXPECT_THROW(TensorDataset(scalar_tensor(1.0)), std::invalid_argument);
  TensorDataset ds(rows_tensor(3, 1));
  EXPECT_THROW(ds.get(3), std::out_of_range);
  EXPECT_THROW(ds.get(-1), std::out_of_range);
  const std::vector<int64_t> bad = {0, 9};
  EXPECT_THROW(ds.get_batch(bad), std::out_of_range);
}

TEST(ListDataset, HoldsExamples) {
  ListDataset ds({{tensor({1.f}), tensor(0)}, {tensor({2.f}), tensor(1)}});
  EXPECT_EQ(ds.size(), 2);
  EXPECT_EQ(ds.get(1)[1].item<int64_t>(), 1);
  EXPECT_THROW(ds.get(2), std::out_of_range);
}

TEST(Subset, MapsIndicesAndKeepsTheFastBatchPath) {
  TensorDataset base(rows_tensor(6, 2), arange(6.0));
  Subset sub(base, {5, 1, 3});
  ASSERT_EQ(sub.size(), 3);
  EXPECT_EQ(sub.get(0)[1].item<int64_t>(), 5);
  EXPECT_EQ(sub.get(2)[1].item<int64_t>(), 3);
  const std::vector<int64_t> idx = {2, 0};
  Example<> b = sub.get_batch(idx);
  EXPECT_TRUE(b[1].equal(tensor({3, 5})));
  EXPECT_THROW(sub.get(3), std::out_of_range);
  EXPECT_THROW(Subset(base, {0, 6}), std::out_of_range);
}

TEST(RandomSplit, CountsFollowPyTorchsAlgorithm) {
  TensorDataset base(arange(10.0));
  manual_seed(0);
  std::vector<Subset> parts = random_split(base, {3, 7});
  ASSERT_EQ(parts.size(), 2u);
  // torch.manual_seed(0); torch.randperm(10) == [4, 1, 7, 5, 3, 9, 0, 8, 6, 2]
  EXPECT_EQ(parts[0].indices(), (std::vector<int64_t>{4, 1, 7}));
  EXPECT_EQ(parts[1].indices(), (std::vector<int64_t>{5, 3, 9, 0, 8, 6, 2}));
  EXPECT_EQ(parts[1].get(0)[0].item<int64_t>(), 5);
}

TEST(RandomSplit, FractionsFloorThenDealTheRemainderRoundRobin) {
  TensorDataset base(arange(11.0));
  Generator g(42);
  std::vector<Subset> parts = random_split(base, {0.5, 0.3, 0.2}, &g);
  // floor(5.5, 3.3, 2.2) = 5, 3, 2; the remaining 1 goes to the first split.
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 6);
  EXPECT_EQ(parts[1].size(), 3);
  EXPECT_EQ(parts[2].size(), 2);
  Generator g2(42);
  std::vector<int64_t> perm = randperm_vector(11, g2);
  std::vector<int64_t> joined;
  for (const Subset& s : parts) joined.insert(joined.end(), s.indices().begin(), s.indices().end());
  EXPECT_EQ(joined, perm);
  EXPECT_THROW(random_split(base, {3, 7}), std::invalid_argument);      // sums to 10, not 11
  EXPECT_THROW(random_split(base, {5.5, 5.5}), std::invalid_argument);  // not counts
}

TEST(ConcatDataset, ReadsDatasetsInTurn) {
  TensorDataset a(arange(3.0));
  TensorDataset b(arange(10.0, 12.0));
  ConcatDataset both({a, b});
  ASSERT_EQ(both.size(), 5);
  EXPECT_EQ(both.cumulative_sizes(), (std::vector<int64_t>{3, 5}));
  std::vector<int64_t> seen;
  for (int64_t i = 0; i < both.size(); ++i) seen.push_back(both.get(i)[0].item<int64_t>());
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1, 2, 10, 11}));
  const std::vector<int64_t> idx = {4, 0};
  EXPECT_TRUE(both.get_batch(idx)[0].equal(tensor({11, 0})));
  EXPECT_THROW(both.get(5), std::out_of_range);
  EXPECT_THROW(ConcatDataset({}), std::invalid_argument);
}

TEST(NpyDataset, LoadsFilesAndChecksTheirLengths) {
  ag_test::TempDir dir;
  save_npy(rows_tensor(4, 2), dir.file("x.npy"));
  save_npy(arange(4.0), dir.file("y.npy"));
  save_npy(arange(3.0), dir.file("short.npy"));
  TensorDataset ds = npy_dataset({dir.file("x.npy"), dir.file("y.npy")});
  EXPECT_EQ(ds.size(), 4);
  EXPECT_TRUE(ds.get(3)[0].equal(tensor({6.f, 7.f})));
  try {
    npy_dataset({dir.file("x.npy"), dir.file("short.npy")});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("short.npy"), std::string::npos) << e.what();
  }
}

TEST(NpyDataset, CorruptFilesGiveErrorsNamingTheFile) {
  ag_test::TempDir dir;
  save_npy(rows_tensor(4, 2), dir.file("good.npy"));
  const std::string good = ag_test::read_bytes(dir.file("good.npy"));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated.npy", good.substr(0, good.size() - 5)},
      {"preamble.npy", good.substr(0, 7)},
      {"magic.npy", "XXXXXX" + good.substr(6)},
      {"header.npy", good.substr(0, 40)},
  };
  for (const auto& [name, bytes] : cases) {
    ag_test::write_bytes(dir.file(name), bytes);
    try {
      npy_dataset({dir.file(name)});
      ADD_FAILURE() << name << " loaded";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}
