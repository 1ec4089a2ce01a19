// Packing and unpacking. Every move of rows is one gather_rows with a computed row
// list, so each function is differentiable through one node and copies each row once.
#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "ag/nn/utils/rnn.h"
#include "ops/row_gather.h"

namespace ag::nn::utils::rnn {

namespace {

Tensor int64_vector(const std::vector<int64_t>& v) { return from_vector(v, {static_cast<int64_t>(v.size())}); }

std::vector<int64_t> to_vector(const Tensor& t) {
  Tensor c = t.contiguous();
  const int64_t* p = c.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

void check_permutation(const Tensor& idx, int64_t n, const char* what) {
  if (!idx.defined()) return;
  if (idx.dtype() != kInt64 || idx.dim() != 1 || idx.size(0) != n)
    throw std::invalid_argument(std::string("PackedSequence: ") + what + " must be an int64 vector of " + std::to_string(n) +
                                " entries, got " + dtype_name(idx.dtype()) + " of shape " + to_string(idx.sizes()));
  std::vector<int64_t> v = to_vector(idx);
  std::vector<bool> seen(static_cast<size_t>(n), false);
  for (int64_t i : v) {
    if (i < 0 || i >= n || seen[static_cast<size_t>(i)])
      throw std::invalid_argument(std::string("PackedSequence: ") + what + " is not a permutation of 0.." + std::to_string(n - 1));
    seen[static_cast<size_t>(i)] = true;
  }
}

// batch_sizes[t] = #{b : lengths[b] > t} for lengths sorted non-increasing.
std::vector<int64_t> batch_sizes_of(const std::vector<int64_t>& sorted_lengths) {
  std::vector<int64_t> bs(static_cast<size_t>(sorted_lengths.empty() ? 0 : sorted_lengths[0]), 0);
  for (int64_t len : sorted_lengths)
    for (int64_t t = 0; t < len; ++t) ++bs[static_cast<size_t>(t)];
  return bs;
}

// Packs from a source whose element (sequence b, step t) is row row_of(b, t).
template <typename RowOf>
PackedSequence pack_rows(const Tensor& source, const std::vector<int64_t>& lengths, bool enforce_sorted, const char* who,
                         RowOf row_of) {
  const auto B = static_cast<int64_t>(lengths.size());
  std::vector<int64_t> order(static_cast<size_t>(B));
  std::iota(order.begin(), order.end(), 0);
  if (enforce_sorted) {
    for (int64_t b = 1; b < B; ++b)
      if (lengths[b] > lengths[b - 1])
        throw std::invalid_argument(std::string(who) +
                                    ": `lengths` must be sorted in decreasing order when enforce_sorted is true; pass "
                                    "enforce_sorted=false to have the sequences sorted for you (lengths " +
                                    to_string(Dims(lengths.begin(), lengths.end())) + ")");
  } else {
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return lengths[a] > lengths[b]; });
  }
  std::vector<int64_t> sorted_lengths(static_cast<size_t>(B));
  for (int64_t i = 0; i < B; ++i) sorted_lengths[i] = lengths[order[i]];
  std::vector<int64_t> bs = batch_sizes_of(sorted_lengths), rows;
  for (size_t t = 0; t < bs.size(); ++t)
    for (int64_t i = 0; i < bs[t]; ++i) rows.push_back(row_of(order[i], static_cast<int64_t>(t)));
  Tensor data = ops::gather_rows(source, rows);
  if (enforce_sorted) return PackedSequence(data, int64_vector(bs));
  std::vector<int64_t> inverse(static_cast<size_t>(B));
  for (int64_t i = 0; i < B; ++i) inverse[order[i]] = i;
  return PackedSequence(data, int64_vector(bs), int64_vector(order), int64_vector(inverse));
}

}  // namespace

std::vector<int64_t> lengths_vector(const Tensor& lengths, const char* who) {
  if (!lengths.defined() || lengths.dim() != 1 || lengths.is_floating_point() || lengths.dtype() == kBool)
    throw std::invalid_argument(std::string(who) + ": lengths must be a 1-D int64 tensor, got " +
                                (lengths.defined() ? std::string(dtype_name(lengths.dtype())) + " of shape " + to_string(lengths.sizes())
                                                   : std::string("an undefined tensor")));
  std::vector<int64_t> v = to_vector(lengths.to(kInt64));
  for (size_t b = 0; b < v.size(); ++b)
    if (v[b] <= 0)
      throw std::invalid_argument(std::string(who) + ": every length must be at least 1, got " + std::to_string(v[b]) +
                                  " for sequence " + std::to_string(b));
  return v;
}

PackedSequence::PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices, Tensor unsorted_indices)
    : data_(std::move(data)),
      batch_sizes_(std::move(batch_sizes)),
      sorted_indices_(std::move(sorted_indices)),
      unsorted_indices_(std::move(unsorted_indices)) {
  if (!data_.defined() || data_.dim() < 1) throw std::invalid_argument("PackedSequence: data must be a tensor of at least 1 dimension");
  if (!batch_sizes_.defined() || batch_sizes_.dtype() != kInt64 || batch_sizes_.dim() != 1 || batch_sizes_.numel() == 0)
    throw std::invalid_argument("PackedSequence: batch_sizes must be a non-empty int64 vector");
  std::vector<int64_t> bs = to_vector(batch_sizes_);
  int64_t rows = 0;
  for (size_t t = 0; t < bs.size(); ++t) {
    if (bs[t] <= 0 || (t > 0 && bs[t] > bs[t - 1]))
      throw std::invalid_argument("PackedSequence: batch_sizes must be positive and non-increasing, got " +
                                  to_string(Dims(bs.begin(), bs.end())));
    rows += bs[t];
  }
  if (rows != data_.size(0))
    throw std::invalid_argument("PackedSequence: batch_sizes add up to " + std::to_string(rows) + " rows but data has " +
                                std::to_string(data_.size(0)));
  if (sorted_indices_.defined() != unsorted_indices_.defined())
    throw std::invalid_argument("PackedSequence: sorted_indices and unsorted_indices must be given together");
  check_permutation(sorted_indices_, bs[0], "sorted_indices");
  check_permutation(unsorted_indices_, bs[0], "unsorted_indices");
}

std::vector<int64_t> PackedSequence::batch_size_list() const { return to_vector(batch_sizes_); }

int64_t PackedSequence::batch_size() const { return batch_sizes_.defined() ? batch_sizes_.contiguous().data_ptr<int64_t>()[0] : 0; }

PackedSequence pack_padded_sequence(const Tensor& input, const std::vector<int64_t>& lengths, bool batch_first,
                                    bool enforce_sorted) {
  const char* who = "pack_padded_sequence";
  if (!input.defined() || input.dim() < 2)
    throw std::invalid_argument(std::string(who) + ": input must be (T, B, *) or (B, T, *), got " +
                                (input.defined() ? to_string(input.sizes()) : std::string("an undefined tensor")));
  const int64_t B = input.size(batch_first ? 0 : 1), T = input.size(batch_first ? 1 : 0);
  if (static_cast<int64_t>(lengths.size()) != B)
    throw std::invalid_argument(std::string(who) + ": got " + std::to_string(lengths.size()) + " lengths for a batch of " +
                                std::to_string(B) + " sequences (input " + to_string(input.sizes()) +
                                (batch_first ? ", batch_first" : "") + ")");
  for (size_t b = 0; b < lengths.size(); ++b)
    if (lengths[b] <= 0 || lengths[b] > T)
      throw std::invalid_argument(std::string(who) + ": length " + std::to_string(lengths[b]) + " of sequence " +
                                  std::to_string(b) + " is outside [1, " + std::to_string(T) + "] (input " +
                                  to_string(input.sizes()) + (batch_first ? ", batch_first" : "") + ")");
  Dims flat = input.sizes();
  flat.erase(0);
  flat[0] = B * T;
  return pack_rows(input.reshape(flat), lengths, enforce_sorted, who,
                   [&](int64_t b, int64_t t) { return batch_first ? b * T + t : t * B + b; });
}

PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths, bool batch_first, bool enforce_sorted) {
  return pack_padded_sequence(input, lengths_vector(lengths, "pack_padded_sequence"), batch_first, enforce_sorted);
}

std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first, double padding_value,
                                               std::optional<int64_t> total_length) {
  if (!sequence.is_defined()) throw std::invalid_argument("pad_packed_sequence: the PackedSequence is empty");
  std::vector<int64_t> bs = sequence.batch_size_list();
  const int64_t B = bs[0], T_max = static_cast<int64_t>(bs.size());
  const int64_t T = total_length.value_or(T_max);
  if (T < T_max)
    throw std::invalid_argument("pad_packed_sequence: expected total_length to be at least the longest length " +
                                std::to_string(T_max) + ", got " + std::to_string(T));
  std::vector<int64_t> offsets(bs.size()), sorted_len(static_cast<size_t>(B), 0);
  for (size_t t = 0, rows = 0; t < bs.size(); rows += bs[t], ++t) {
    offsets[t] = static_cast<int64_t>(rows);
    for (int64_t i = 0; i < bs[t]; ++i) ++sorted_len[i];
  }
  // pos[b]: where the caller's sequence b sits in the sorted order.
  std::vector<int64_t> pos(static_cast<size_t>(B));
  if (sequence.unsorted_indices().defined()) pos = to_vector(sequence.unsorted_indices());
  else std::iota(pos.begin(), pos.end(), 0);
  std::vector<int64_t> rows(static_cast<size_t>(T * B), -1), lengths(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    const int64_t i = pos[b];
    lengths[b] = sorted_len[i];
    for (int64_t t = 0; t < sorted_len[i]; ++t) rows[batch_first ? b * T + t : t * B + b] = offsets[t] + i;
  }
  Tensor padded = ops::gather_rows(sequence.data(), rows, padding_value);
  Dims shape = sequence.data().sizes();
  shape[0] = batch_first ? T : B;
  shape.insert(0, batch_first ? B : T);
  return {padded.view(shape), int64_vector(lengths)};
}

namespace {

// The sequences laid end to end (one differentiable cat) and where each starts.
std::pair<Tensor, std::vector<int64_t>> concatenated(const std::vector<Tensor>& sequences, const char* who) {
  if (sequences.empty()) throw std::invalid_argument(std::string(who) + ": received an empty list of sequences");
  const Tensor& first = sequences[0];
  std::vector<int64_t> starts;
  int64_t rows = 0;
  for (size_t i = 0; i < sequences.size(); ++i) {
    const Tensor& s = sequences[i];
    if (!s.defined() || s.dim() == 0)
      throw std::invalid_argument(std::string(who) + ": sequence " + std::to_string(i) + " must be a tensor of shape (L, *)");
    bool same = s.dim() == first.dim() && s.dtype() == first.dtype();
    for (int64_t d = 1; same && d < s.dim(); ++d) same = s.size(d) == first.size(d);
    if (!same)
      throw std::invalid_argument(std::string(who) + ": sequence " + std::to_string(i) + " is " + dtype_name(s.dtype()) +
                                  to_string(s.sizes()) + " but sequence 0 is " + dtype_name(first.dtype()) +
                                  to_string(first.sizes()) + "; all sequences need the same dtype and trailing dimensions");
    starts.push_back(rows);
    rows += s.size(0);
  }
  return {cat(sequences, 0), starts};
}

}  // namespace

Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first, double padding_value) {
  auto [source, starts] = concatenated(sequences, "pad_sequence");
  const auto B = static_cast<int64_t>(sequences.size());
  int64_t T = 0;
  for (const Tensor& s : sequences) T = std::max(T, s.size(0));
  std::vector<int64_t> rows(static_cast<size_t>(B * T), -1);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < sequences[b].size(0); ++t) rows[batch_first ? b * T + t : t * B + b] = starts[b] + t;
  Dims shape = source.sizes();
  shape[0] = batch_first ? T : B;
  shape.insert(0, batch_first ? B : T);
  return ops::gather_rows(source, rows, padding_value).view(shape);
}

PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted) {
  auto [source, starts] = concatenated(sequences, "pack_sequence");
  std::vector<int64_t> lengths;
  for (size_t b = 0; b < sequences.size(); ++b) {
    if (sequences[b].size(0) == 0)
      throw std::invalid_argument("pack_sequence: sequence " + std::to_string(b) + " is empty; every length must be at least 1");
    lengths.push_back(sequences[b].size(0));
  }
  // A named reference: lambdas may not capture structured bindings before C++20 in every compiler (clang's fuzz build).
  const auto& first_rows = starts;
  return pack_rows(source, lengths, enforce_sorted, "pack_sequence", [&](int64_t b, int64_t t) { return first_rows[b] + t; });
}

Tensor last_step(const Tensor& output, const Tensor& lengths, bool batch_first) {
  if (!output.defined() || output.dim() < 2)
    throw std::invalid_argument("last_step: output must be (B, T, *) with batch_first or (T, B, *), got " +
                                (output.defined() ? to_string(output.sizes()) : std::string("an undefined tensor")));
  std::vector<int64_t> len = lengths_vector(lengths, "last_step");
  const int64_t B = output.size(batch_first ? 0 : 1), T = output.size(batch_first ? 1 : 0);
  if (static_cast<int64_t>(len.size()) != B)
    throw std::invalid_argument("last_step: got " + std::to_string(len.size()) + " lengths for output " + to_string(output.sizes()) +
                                " with " + std::to_string(B) + " sequences");
  std::vector<int64_t> rows;
  for (int64_t b = 0; b < B; ++b) {
    if (len[b] > T)
      throw std::invalid_argument("last_step: length " + std::to_string(len[b]) + " of sequence " + std::to_string(b) +
                                  " exceeds the " + std::to_string(T) + " steps of output " + to_string(output.sizes()));
    rows.push_back(batch_first ? b * T + len[b] - 1 : (len[b] - 1) * B + b);
  }
  Dims flat = output.sizes();
  flat.erase(0);
  flat[0] = B * T;
  return ops::gather_rows(output.reshape(flat), rows);
}

Tensor length_mask(const Tensor& lengths, std::optional<int64_t> max_len, bool batch_first) {
  std::vector<int64_t> len = lengths_vector(lengths, "length_mask");
  int64_t T = 0;
  for (int64_t l : len) T = std::max(T, l);
  if (max_len) {
    if (*max_len < T)
      throw std::invalid_argument("length_mask: max_len " + std::to_string(*max_len) + " is shorter than the longest length " +
                                  std::to_string(T));
    T = *max_len;
  }
  Tensor steps = arange(static_cast<double>(T)), l = from_vector(len, {static_cast<int64_t>(len.size())});
  return batch_first ? steps.unsqueeze(0) < l.unsqueeze(1) : steps.unsqueeze(1) < l.unsqueeze(0);
}

}  // namespace ag::nn::utils::rnn
