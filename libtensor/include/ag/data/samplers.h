// libtorch's sampler names (ag::data::samplers::...) for allgrad's samplers, and libtorch's
// distributed samplers built on DistributedSampler.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ag/data/distributed_sampler.h"
#include "ag/data/sampler.h"

namespace ag::data::samplers {

using SequentialSampler = data::SequentialSampler;
using RandomSampler = data::RandomSampler;
using DistributedSampler = data::DistributedSampler;

/// libtorch's DistributedRandomSampler(size, num_replicas, rank, allow_duplicates): this
/// rank's share of a shuffled epoch. allow_duplicates pads the epoch so every rank gets
/// ceil(size / num_replicas) samples; without it the tail is dropped (floor).
/// Departure: the order is PyTorch's DistributedSampler order (randperm seeded 0 + epoch,
/// ranks strided), not libtorch's std::mt19937 shuffle, so C++ and Python runs agree.
class DistributedRandomSampler : public DistributedSampler {
 public:
  explicit DistributedRandomSampler(size_t size, size_t num_replicas = 1, size_t rank = 0, bool allow_duplicates = true)
      : DistributedSampler(static_cast<int64_t>(size), static_cast<int64_t>(num_replicas), static_cast<int64_t>(rank),
                           /*shuffle=*/true, /*seed=*/0, /*drop_last=*/!allow_duplicates) {}
};

/// libtorch's DistributedSequentialSampler: this rank's share of 0..size-1 in order.
/// Departure: ranks take strided indices (r, r + R, ...), as PyTorch's DistributedSampler
/// with shuffle=False does, not libtorch's contiguous blocks.
class DistributedSequentialSampler : public DistributedSampler {
 public:
  explicit DistributedSequentialSampler(size_t size, size_t num_replicas = 1, size_t rank = 0, bool allow_duplicates = true)
      : DistributedSampler(static_cast<int64_t>(size), static_cast<int64_t>(num_replicas), static_cast<int64_t>(rank),
                           /*shuffle=*/false, /*seed=*/0, /*drop_last=*/!allow_duplicates) {}
};

}  // namespace ag::data::samplers
