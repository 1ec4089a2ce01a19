// Sliding windows seen one kernel tap at a time: which outputs of a strided
// window read a given tap from inside the input. im2col and pooling walk taps
// this way so their inner loops run over a run of outputs with no bounds checks.
#pragma once
#include <algorithm>
#include <cstdint>

namespace ag::kernels {

/// Outputs o in [lo, hi) read input position o·stride + offset, which lies inside [0, size).
struct OutputRange {
  int64_t lo, hi;
};

/// The outputs (of `count`) whose tap at input offset `offset` (tap position minus padding) is inside the input.
inline OutputRange outputs_inside(int64_t offset, int64_t stride, int64_t size, int64_t count) {
  int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int64_t last = size - 1 - offset;  // largest o·stride allowed
  int64_t hi = last < 0 ? 0 : last / stride + 1;
  lo = std::min(lo, count);
  hi = std::clamp(hi, lo, count);
  return {lo, hi};
}

}  // namespace ag::kernels
