// Geometry of views: which strides let a tensor be seen with a new shape.
#pragma once
#include <optional>

#include "ag/shape.h"

namespace ag::detail {

/// Replaces a single -1 in `shape` with the size that makes numel match; throws naming `op`.
Dims infer_size(const Dims& shape, int64_t numel, const char* op);
/// Strides that view memory laid out as (sizes, strides) with `new_sizes`, or nullopt
/// when no such strides exist (the caller must copy).
std::optional<Dims> view_strides(const Dims& sizes, const Dims& strides, const Dims& new_sizes);

}  // namespace ag::detail
