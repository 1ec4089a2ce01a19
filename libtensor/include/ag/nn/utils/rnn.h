// Batches of sequences of different lengths (torch.nn.utils.rnn): PackedSequence and
// the functions that pack, pad and unpack, plus the two helpers a length-aware loss
// needs (each sequence's last step, the mask of real steps).
//
//     auto packed = pack_padded_sequence(x, lengths, /*batch_first=*/true, /*enforce_sorted=*/false);
//     auto [out, state] = lstm->forward_with_packed_input(packed);
//     auto [padded, lens] = pad_packed_sequence(out, /*batch_first=*/true);
#pragma once
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "ag/tensor.h"

namespace ag::nn::utils::rnn {

/// A batch of sequences stored time-major without padding: `data` holds, for step t =
/// 0, 1, ..., the step-t elements of the batch_sizes[t] sequences still running, the
/// sequences sorted longest first. `sorted_indices[i]` is the caller's index of the i-th
/// sorted sequence and `unsorted_indices` its inverse (both undefined when the caller's
/// batch was already sorted). batch_sizes and the indices are int64 tensors.
class PackedSequence {
 public:
  PackedSequence() = default;
  /// Checks that batch_sizes is a non-empty, non-increasing int64 vector of positive counts
  /// adding up to data's rows, and that the indices (if given) are permutations of them.
  PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices = {}, Tensor unsorted_indices = {});

  const Tensor& data() const { return data_; }
  const Tensor& batch_sizes() const { return batch_sizes_; }
  const Tensor& sorted_indices() const { return sorted_indices_; }
  const Tensor& unsorted_indices() const { return unsorted_indices_; }
  /// Whether this holds a batch (a default-constructed one does not).
  bool is_defined() const { return data_.defined(); }

  /// batch_sizes as integers.
  std::vector<int64_t> batch_size_list() const;
  /// Number of sequences (batch_sizes[0]).
  int64_t batch_size() const;
  /// The same sequences with other data of the same rows (e.g. after a layer or dropout).
  PackedSequence with_data(Tensor data) const {
    PackedSequence p = *this;
    p.data_ = std::move(data);
    return p;
  }

 private:
  Tensor data_, batch_sizes_, sorted_indices_, unsorted_indices_;
};

/// Packs a padded batch: input (T, B, *) or (B, T, *) with batch_first; lengths an int64
/// CPU tensor (or list) of B values in [1, T]. With enforce_sorted (PyTorch's default)
/// the lengths must be non-increasing; pass enforce_sorted = false to have them sorted
/// (the permutation is kept in the result). Differentiable in input.
PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths, bool batch_first = false,
                                    bool enforce_sorted = true);
PackedSequence pack_padded_sequence(const Tensor& input, const std::vector<int64_t>& lengths, bool batch_first = false,
                                    bool enforce_sorted = true);

/// The inverse: (padded, lengths) with padded (T, B, *) or (B, T, *), in the caller's
/// order, T = the longest length or total_length (which must not be shorter), padding
/// filled with padding_value; lengths int64. Differentiable in the packed data.
std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first = false,
                                               double padding_value = 0.0,
                                               std::optional<int64_t> total_length = std::nullopt);

/// Stacks sequences of shapes (L_i, *) into (T, B, *) ((B, T, *) with batch_first),
/// padding the shorter ones. Differentiable (unlike ag::data::pad_sequence, which collates data).
Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first = false, double padding_value = 0.0);

/// Packs sequences of shapes (L_i, *); enforce_sorted as in pack_padded_sequence. Differentiable.
PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted = true);

/// Each sequence's element at its last real step: from output (B, T, F) with batch_first
/// or (T, B, F), row b of the result is output at step lengths[b] − 1 of sequence b; (B, F).
/// What a classifier reads from a unidirectional layer run on a padded batch (steps after
/// a sequence's end never reach its earlier ones). Differentiable in output.
Tensor last_step(const Tensor& output, const Tensor& lengths, bool batch_first = false);

/// Bool mask of the real steps: (B, T) with batch_first, else (T, B); true where t < lengths[b].
/// T is max_len or the longest length.
Tensor length_mask(const Tensor& lengths, std::optional<int64_t> max_len = std::nullopt, bool batch_first = false);

/// Lengths as integers, checked to be a 1-D integer tensor of values >= 1 (what `who` needs).
std::vector<int64_t> lengths_vector(const Tensor& lengths, const char* who);

}  // namespace ag::nn::utils::rnn
