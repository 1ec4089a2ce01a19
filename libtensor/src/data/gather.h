// Copying selected rows (dim-0 slices) of a tensor into a new batch tensor.
#pragma once
#include <span>

#include "ag/tensor.h"

namespace ag::data::detail {

/// out[k] = t[indices[k]] for every k: a new contiguous tensor of shape [len(indices), *t.shape[1:]].
/// Indices must already be in range.
Tensor gather_rows(const Tensor& t, std::span<const int64_t> indices);

}  // namespace ag::data::detail
