// SequenceDataset, pad_collate and the text-file readers behind --data fortunes / lines.
#include "ag/data/sequences.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

namespace ag::data {

namespace {

Tensor pad_rows(const std::vector<const std::vector<int64_t>*>& rows, int64_t padding_value, std::vector<int64_t>* lengths) {
  int64_t T = 0;
  for (const auto* r : rows) T = std::max<int64_t>(T, static_cast<int64_t>(r->size()));
  const auto B = static_cast<int64_t>(rows.size());
  Tensor out = full({B, T}, static_cast<double>(padding_value), kInt64);
  int64_t* p = out.data_ptr<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    std::copy(rows[b]->begin(), rows[b]->end(), p + b * T);
    lengths->push_back(static_cast<int64_t>(rows[b]->size()));
  }
  return out;
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

Example<> pad_collate(const std::vector<Example<>>& examples) {
  if (examples.empty()) throw std::invalid_argument("pad_collate: the batch has no examples");
  std::vector<std::vector<int64_t>> seqs;
  std::vector<int64_t> labels;
  for (size_t i = 0; i < examples.size(); ++i) {
    const Tensor& x = examples[i].data;
    if (!x.defined() || x.dim() != 1 || x.dtype() != kInt64 || examples[i].size() != 2)
      throw std::invalid_argument("pad_collate: example " + std::to_string(i) +
                                  " must be (tokens (L) int64, label); got " + (x.defined() ? to_string(x.sizes()) : "nothing"));
    Tensor c = x.contiguous();
    seqs.emplace_back(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
    labels.push_back(static_cast<int64_t>(examples[i].target.item()));
  }
  std::vector<const std::vector<int64_t>*> rows;
  for (const auto& s : seqs) rows.push_back(&s);
  std::vector<int64_t> lengths;
  Tensor x = pad_rows(rows, 0, &lengths);
  const auto B = static_cast<int64_t>(labels.size());
  return Example<>({x, from_vector(labels, {B}), from_vector(lengths, {B})});
}

SequenceDataset::SequenceDataset(std::vector<std::vector<int64_t>> sequences, std::vector<int64_t> labels) {
  if (sequences.size() != labels.size())
    throw std::invalid_argument("SequenceDataset: " + std::to_string(sequences.size()) + " sequences but " +
                                std::to_string(labels.size()) + " labels");
  std::vector<int64_t> lengths;
  for (size_t i = 0; i < sequences.size(); ++i) {
    if (sequences[i].empty()) throw std::invalid_argument("SequenceDataset: sequence " + std::to_string(i) + " is empty");
    lengths.push_back(static_cast<int64_t>(sequences[i].size()));
  }
  sequences_ = std::make_shared<const std::vector<std::vector<int64_t>>>(std::move(sequences));
  labels_ = std::make_shared<const std::vector<int64_t>>(std::move(labels));
  lengths_ = std::make_shared<const std::vector<int64_t>>(std::move(lengths));
}

Example<> SequenceDataset::get(int64_t index) const {
  check_index(index, size(), "SequenceDataset");
  const auto& s = (*sequences_)[static_cast<size_t>(index)];
  return Example<>(from_vector(s, {static_cast<int64_t>(s.size())}), scalar_tensor(static_cast<double>((*labels_)[index]), kInt64));
}

Example<> SequenceDataset::get_batch(std::span<const int64_t> indices) const {
  if (indices.empty()) throw std::invalid_argument("SequenceDataset: an empty batch");
  std::vector<const std::vector<int64_t>*> rows;
  std::vector<int64_t> labels;
  for (int64_t i : indices) {
    check_index(i, size(), "SequenceDataset");
    rows.push_back(&(*sequences_)[static_cast<size_t>(i)]);
    labels.push_back((*labels_)[static_cast<size_t>(i)]);
  }
  std::vector<int64_t> lengths;
  Tensor x = pad_rows(rows, 0, &lengths);
  const auto B = static_cast<int64_t>(labels.size());
  return Example<>({x, from_vector(labels, {B}), from_vector(lengths, {B})});
}

std::vector<int64_t> byte_tokens(std::string_view text) {
  std::vector<int64_t> out;
  out.reserve(text.size());
  for (unsigned char c : text) out.push_back(static_cast<int64_t>(c) + 1);
  return out;
}

std::vector<std::string> read_text_examples(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  std::vector<std::string> lines;
  std::string line;
  bool blocks = false;
  while (std::getline(in, line)) {
    if (line == "%") blocks = true;
    lines.push_back(line);
  }
  std::vector<std::string> out;
  if (!blocks) {
    for (auto& l : lines)
      if (!l.empty()) out.push_back(std::move(l));
    return out;
  }
  std::string cur;
  auto flush = [&] {
    if (cur.find_first_not_of(" \t\n") != std::string::npos) out.push_back(cur);
    cur.clear();
  };
  for (const auto& l : lines) {
    if (l == "%") {
      flush();
      continue;
    }
    if (!cur.empty()) cur += '\n';
    cur += l;
  }
  flush();
  return out;
}

TextClassification text_classification(const std::vector<std::string>& files) {
  std::vector<std::vector<int64_t>> train_x, test_x;
  std::vector<int64_t> train_y, test_y;
  std::unordered_set<std::string> seen;
  for (size_t k = 0; k < files.size(); ++k)
    for (std::string& text : read_text_examples(files[k])) {
      if (!seen.insert(text).second) continue;
      const bool test = fnv1a(text) % 10 == 0;
      (test ? test_x : train_x).push_back(byte_tokens(text));
      (test ? test_y : train_y).push_back(static_cast<int64_t>(k));
    }
  return {std::make_shared<SequenceDataset>(std::move(train_x), std::move(train_y)),
          std::make_shared<SequenceDataset>(std::move(test_x), std::move(test_y)), files};
}

std::vector<std::string> default_fortune_classes() { return {"computers", "definitions", "people", "songs-poems"}; }

std::vector<std::string> fortune_collections(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_symlink() || !e.is_regular_file()) continue;
    if (name.ends_with(".dat") || name.ends_with(".u8") || name.starts_with(".")) continue;
    out.push_back(name);
  }
  if (ec) throw std::runtime_error("cannot list " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ag::data
