// ag::mix64: splitmix64's finaliser, a well-mixed 64-bit hash, for deriving independent
// seeds or counter-based random bits from positions (attention's dropout mask,
// --reproducible's per-micro-batch dropout streams).
#pragma once
#include <cstdint>

namespace ag {

constexpr uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace ag
