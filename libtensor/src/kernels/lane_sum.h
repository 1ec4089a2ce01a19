// Sums in double over eight independent lanes: one running total would make
// every addition wait for the previous one, and the compiler may not reorder
// floating-point sums itself. The lanes vectorise.
#pragma once
#include <cstdint>

namespace ag::kernels {

/// Σ term(i) for i in [0, n), accumulated in double.
template <typename F>
inline double lane_sum(int64_t n, F&& term) {
  constexpr int kLanes = 8;
  double acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += static_cast<double>(term(i + l));
  double tail = 0;
  for (; i < n; ++i) tail += static_cast<double>(term(i));
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}

}  // namespace ag::kernels
