// How many items one parallel_for task takes when each item costs a known number of elements.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/parallel.h"

namespace ag::kernels {

/// Items per task so that each task touches about kParallelGrain elements (at least one item).
inline int64_t grain_for(int64_t elements_per_item) {
  return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, elements_per_item));
}

}  // namespace ag::kernels
