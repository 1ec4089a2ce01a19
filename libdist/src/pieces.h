// MPI counts are int: a buffer larger than one call may carry is sent in pieces.
#pragma once
#include <algorithm>
#include <cstdint>

namespace ag::dist::detail {

/// Calls fn(offset, count) for consecutive pieces of [0, total), each at most
/// `max_piece` long (so a count always fits an int when max_piece does).
template <typename Fn>
void for_each_piece(int64_t total, int64_t max_piece, Fn&& fn) {
  for (int64_t off = 0; off < total; off += max_piece) fn(off, static_cast<int>(std::min(max_piece, total - off)));
}

}  // namespace ag::dist::detail
