// Turning a list of samples into a batch: default_collate and pad_sequence.
#pragma once
#include <vector>

#include "ag/data/example.h"

namespace ag::data {

/// PyTorch's default_collate for Examples: field i of the batch is stack(field i of every
/// example) along a new dim 0. All examples must have the same number of fields, and each
/// field the same shape and dtype in every example; the error names the example, the field
/// and both shapes (variable-length data needs a collate_fn, e.g. one using pad_sequence).
Example<> default_collate(const std::vector<Example<>>& examples);

/// torch.nn.utils.rnn.pad_sequence: stacks sequences of shapes [L_i, *] into [T, B, *]
/// (or [B, T, *] with batch_first), T = max L_i, filling the tail of shorter ones with
/// `padding_value`. The trailing dims and the dtype must agree across sequences.
/// Departure from PyTorch: the result carries no autograd history, since it collates data.
Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first = false, double padding_value = 0.0);

}  // namespace ag::data
