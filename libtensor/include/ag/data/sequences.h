// Variable-length data: a dataset of token sequences with class labels, the seed's
// collate_fn (padded inputs, labels, lengths), and text files read as examples
// (fortune files, one example per `%` block; other files, one per line).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ag/data/dataset.h"

namespace ag::data {

/// The seed's collate_fn for examples (tokens (L_i) int64, label () int64): the batch
/// (inputs (B, T) padded with id 0, labels (B), lengths (B) int64), T the longest L_i.
/// Field 2 of the batch (`more[0]`) is the lengths. One parameter, so it can be handed to
/// a DataLoader as it is: `DataLoader(set, DataLoaderOptions(32), pad_collate)`.
Example<> pad_collate(const std::vector<Example<>>& examples);

/// Token sequences of different lengths, one class label each. get(i) is (tokens (L)
/// int64, label () int64); get_batch pads as pad_collate does (padding id 0).
class SequenceDataset : public Dataset {
 public:
  SequenceDataset(std::vector<std::vector<int64_t>> sequences, std::vector<int64_t> labels);
  int64_t size() const override { return static_cast<int64_t>(labels_->size()); }
  Example<> get(int64_t index) const override;
  Example<> get_batch(std::span<const int64_t> indices) const override;
  /// Every sequence's length, in index order (what BucketSampler sorts by).
  const std::vector<int64_t>& lengths() const { return *lengths_; }
  const std::vector<int64_t>& labels() const { return *labels_; }

 private:
  std::shared_ptr<const std::vector<std::vector<int64_t>>> sequences_;
  std::shared_ptr<const std::vector<int64_t>> labels_, lengths_;
};

/// Bytes as tokens: byte b becomes b + 1, so id 0 is free for padding; 257 ids in all.
std::vector<int64_t> byte_tokens(std::string_view text);
inline constexpr int64_t kByteVocabulary = 257;

/// The examples in a text file: the blocks between lines that are just `%` (fortune's
/// format) when the file has such a line, else its lines; empty examples are dropped,
/// a block keeps its inner newlines. Throws std::runtime_error naming an unreadable file.
std::vector<std::string> read_text_examples(const std::string& path);

/// A classification set from text files, one class per file (label = its index),
/// split into train and test the same way on every machine: an example is in the test
/// split when the FNV-1a hash of its bytes is 0 mod 10 (about 10%), so the split needs
/// no seed and does not move when files are added. A text found twice is kept once
/// (under its first file), so it cannot sit in both splits.
struct TextClassification {
  std::shared_ptr<SequenceDataset> train, test;
  std::vector<std::string> files;
};
TextClassification text_classification(const std::vector<std::string>& files);

/// Debian's fortunes package (apt-get install fortunes).
inline constexpr const char* kFortunesRoot = "/usr/share/games/fortunes";
/// Four of the larger collections, different in style: computers, definitions, people, songs-poems.
std::vector<std::string> default_fortune_classes();
/// Every collection in `dir`: regular files that are not .dat indexes, .u8 links or other symlinks.
std::vector<std::string> fortune_collections(const std::string& dir);

}  // namespace ag::data
