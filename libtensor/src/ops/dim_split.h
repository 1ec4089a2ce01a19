// A contiguous tensor seen as [outer, n, inner] around one dimension: the
// layout softmax and the class-dimension losses loop over.
#pragma once
#include <cstdint>

#include "ag/shape.h"

namespace ag::ops {

/// Sizes before, at and after one dimension (a 0-d tensor counts as [1]).
struct DimSplit {
  int64_t outer = 1, n = 1, inner = 1;
  /// Elements in one [n, inner] block.
  int64_t block() const { return n * inner; }
};

inline DimSplit split_at(const Dims& sizes, int64_t dim) {
  DimSplit s;
  for (int64_t d = 0; d < static_cast<int64_t>(sizes.size()); ++d) {
    if (d < dim) s.outer *= sizes[d];
    else if (d == dim) s.n = sizes[d];
    else s.inner *= sizes[d];
  }
  return s;
}

}  // namespace ag::ops
