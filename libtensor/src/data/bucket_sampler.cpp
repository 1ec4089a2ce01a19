// BucketSampler's epoch order (see bucket_sampler.h); the rest is DistributedSampler's.
#include "ag/data/bucket_sampler.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "ag/generator.h"

namespace ag::data {

BucketSampler::BucketSampler(std::vector<int64_t> lengths, int64_t batch_size, int64_t num_replicas, int64_t rank,
                             bool shuffle, uint64_t seed, int64_t pool_batches)
    : DistributedSampler(static_cast<int64_t>(lengths.size()), num_replicas, rank, shuffle, seed),
      lengths_(std::move(lengths)),
      global_batch_(batch_size * num_replicas),
      pool_batches_(pool_batches) {
  if (batch_size < 1) throw std::invalid_argument("BucketSampler: batch_size must be at least 1, got " + std::to_string(batch_size));
  if (pool_batches < 1)
    throw std::invalid_argument("BucketSampler: pool_batches must be at least 1, got " + std::to_string(pool_batches));
}

std::vector<int64_t> BucketSampler::epoch_order() const {
  const auto n = static_cast<int64_t>(lengths_.size());
  auto by_length = [this](int64_t a, int64_t b) { return lengths_[a] < lengths_[b]; };
  if (!shuffle()) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), by_length);
    return order;
  }
  Generator g(seed() + static_cast<uint64_t>(epoch()));
  std::vector<int64_t> perm = randperm_vector(n, g);
  const int64_t pool = global_batch_ * pool_batches_;
  for (int64_t start = 0; start < n; start += pool)
    std::stable_sort(perm.begin() + start, perm.begin() + std::min(n, start + pool), by_length);
  const int64_t full = n / global_batch_;
  std::vector<int64_t> batches = randperm_vector(full, g), order;
  order.reserve(static_cast<size_t>(n));
  for (int64_t b : batches) order.insert(order.end(), perm.begin() + b * global_batch_, perm.begin() + (b + 1) * global_batch_);
  order.insert(order.end(), perm.begin() + full * global_batch_, perm.end());
  return order;
}

}  // namespace ag::data
