// Sums over independent lanes: one running total would make every addition
// wait for the previous one, and the compiler may not reorder floating-point
// sums itself. The lanes vectorise.
#pragma once
#include <cstdint>

namespace ag::kernels {

/// Σ term(i) for i in [0, n), accumulated in `Acc` over `Lanes` lanes (a power of
/// two) that are combined pairwise at the end.
template <int Lanes = 8, typename Acc = double, typename F>
inline Acc lane_sum(int64_t n, F&& term) {
  static_assert(Lanes > 0 && (Lanes & (Lanes - 1)) == 0, "lane_sum: Lanes must be a power of two");
  Acc acc[Lanes] = {};
  int64_t i = 0;
  for (; i + Lanes <= n; i += Lanes)
    for (int l = 0; l < Lanes; ++l) acc[l] += static_cast<Acc>(term(i + l));
  Acc tail = 0;
  for (; i < n; ++i) tail += static_cast<Acc>(term(i));
  for (int width = Lanes / 2; width > 0; width /= 2)
    for (int l = 0; l < width; ++l) acc[l] = acc[2 * l] + acc[2 * l + 1];
  return acc[0] + tail;
}

}  // namespace ag::kernels
