// Differentiable row selection, the move that packing, unpacking and reordering a
// batch of sequences are made of.
#pragma once
#include <cstdint>
#include <vector>

#include "ag/tensor.h"

namespace ag::ops {

/// out[k] = src[rows[k]] for a tensor `src` of shape (R, *); a row index of -1 gives a
/// row filled with `fill`. Differentiable in src (the backward adds each row's
/// gradient back where it was read; repeated rows add up). Indices must be in [-1, R).
Tensor gather_rows(const Tensor& src, const std::vector<int64_t>& rows, double fill = 0);

}  // namespace ag::ops
