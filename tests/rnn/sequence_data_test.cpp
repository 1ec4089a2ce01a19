// Variable-length data: text files read as examples, the hashed train/test split,
// the padding collate, and BucketSampler (buckets of similar lengths, every sample
// once per epoch over the ranks, deterministic per seed and epoch, resumable).
#include <filesystem>
#include <fstream>
#include <set>

#include "ag/data.h"
#include "rnn/rnn_util.h"

namespace data = ag::data;
using ag::Tensor;

namespace {
std::string write_file(const std::string& name, const std::string& text) {
  std::string path = (std::filesystem::temp_directory_path() / ("ag_seq_" + std::to_string(::getpid()) + "_" + name)).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}
}  // namespace

TEST(SequenceData, ReadsFortuneBlocksOrLines) {
  std::string f = write_file("fortunes", "first\nfortune\n%\nsecond\n%\n%\n\tthird\n");
  EXPECT_EQ(data::read_text_examples(f), (std::vector<std::string>{"first\nfortune", "second", "\tthird"}));
  std::string l = write_file("lines", "a b\n\nc\n");
  EXPECT_EQ(data::read_text_examples(l), (std::vector<std::string>{"a b", "c"}));
  EXPECT_EQ(data::byte_tokens("A\n"), (std::vector<int64_t>{66, 11}));
  auto set = data::text_classification({f, l, f});  // the third file repeats the first: nothing new
  EXPECT_EQ(set.train->size() + set.test->size(), 5);
  std::vector<int64_t> labels = set.train->labels();
  labels.insert(labels.end(), set.test->labels().begin(), set.test->labels().end());
  EXPECT_EQ(std::count(labels.begin(), labels.end(), 2), 0);
  EXPECT_EQ(std::count(labels.begin(), labels.end(), 1), 2);
  auto again = data::text_classification({f, l, f});
  EXPECT_EQ(again.test->lengths(), set.test->lengths());
  EXPECT_NE(agtest::error_of([] { data::read_text_examples("/nonexistent/x"); }).find("cannot read /nonexistent/x"),
            std::string::npos);
  std::filesystem::remove(f);
  std::filesystem::remove(l);
}

TEST(SequenceData, BatchesArePaddedWithLengths) {
  data::SequenceDataset set({{5, 6, 7}, {8}, {9, 10}}, {0, 1, 0});
  std::vector<int64_t> idx{1, 0, 2};
  data::Example<> b = set.get_batch(idx);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_TRUE(b.data.equal(ag::tensor({{8, 0, 0}, {5, 6, 7}, {9, 10, 0}})));
  EXPECT_TRUE(b.target.equal(ag::tensor({1, 0, 0})));
  EXPECT_TRUE(b[2].equal(ag::tensor({1, 3, 2})));
  data::Example<> c = data::pad_collate({set.get(1), set.get(0), set.get(2)});
  EXPECT_TRUE(c.data.equal(b.data) && c.target.equal(b.target) && c[2].equal(b[2]));
  // The seed's loop: for inputs, labels, lengths in loader.
  data::DataLoader loader(set, data::DataLoaderOptions(2));
  int64_t seen = 0;
  for (auto& batch : loader) {
    auto [inputs, labels, lengths] = batch.unpack<3>();
    EXPECT_EQ(inputs.size(1), lengths.max().item<int64_t>());
    seen += labels.numel();
  }
  EXPECT_EQ(seen, 3);
}

TEST(BucketSampler, BatchesOfSimilarLengthsEverySampleOnce) {
  std::vector<int64_t> lengths;
  ag::Generator g(5);
  for (int i = 0; i < 1003; ++i) lengths.push_back(1 + static_cast<int64_t>(g.random() % 500));
  const int64_t B = 8, R = 2;
  std::multiset<int64_t> all;
  double spread = 0, random_spread = 0;
  int64_t batches = 0;
  for (int64_t r = 0; r < R; ++r) {
    data::BucketSampler s(lengths, B, R, r, true, 7);
    s.set_epoch(3);
    std::vector<int64_t> idx = s.start_pass();
    EXPECT_EQ(static_cast<int64_t>(idx.size()), s.num_samples());
    all.insert(idx.begin(), idx.end());
    data::DistributedSampler plain(1003, R, r, true, 7);
    plain.set_epoch(3);
    std::vector<int64_t> pidx = plain.start_pass();
    for (size_t k = 0; k + B <= idx.size(); k += B, ++batches) {
      auto [lo, hi] = std::minmax_element(idx.begin() + k, idx.begin() + k + B, [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; });
      spread += static_cast<double>(lengths[*hi] - lengths[*lo]);
      auto [plo, phi] = std::minmax_element(pidx.begin() + k, pidx.begin() + k + B, [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; });
      random_spread += static_cast<double>(lengths[*phi] - lengths[*plo]);
    }
  }
  for (int64_t i = 0; i < 1003; ++i) EXPECT_GE(all.count(i), 1u) << i;
  EXPECT_EQ(all.size(), 1004u);  // one padding entry, as DistributedSampler
  EXPECT_LT(spread / batches, random_spread / batches / 10) << "mean spread of lengths in a batch";
}

TEST(BucketSampler, DeterministicPerEpochAndResumable) {
  std::vector<int64_t> lengths;
  for (int i = 0; i < 100; ++i) lengths.push_back(1 + (i * 37) % 23);
  data::BucketSampler a(lengths, 4, 1, 0, true, 1), b(lengths, 4, 1, 0, true, 1);
  a.set_epoch(2), b.set_epoch(2);
  std::vector<int64_t> full = a.start_pass();
  EXPECT_EQ(full, b.start_pass());
  b.set_epoch(3);
  EXPECT_NE(full, b.start_pass());
  // Stopped after 10 batches of 4: the resumed pass gives the rest of the same order.
  data::SamplerState st = a.state(40);
  data::BucketSampler c(lengths, 4, 1, 0, true, 1);
  c.load_state(st);
  std::vector<int64_t> rest = c.start_pass();
  EXPECT_EQ(rest, std::vector<int64_t>(full.begin() + 40, full.end()));
}
