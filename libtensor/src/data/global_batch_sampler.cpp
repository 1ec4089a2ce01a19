// GlobalBatchSampler's epoch order (see global_batch_sampler.h); the rest is DistributedSampler's.
#include "ag/data/global_batch_sampler.h"

#include <stdexcept>
#include <string>

namespace ag::data {

GlobalBatchSampler::GlobalBatchSampler(int64_t dataset_size, int64_t batch_size, int64_t num_replicas, int64_t rank,
                                       bool shuffle, uint64_t seed)
    : DistributedSampler(dataset_size, num_replicas, rank, shuffle, seed, /*drop_last=*/true), batch_size_(batch_size) {
  if (batch_size < 1)
    throw std::invalid_argument("GlobalBatchSampler: batch_size must be at least 1, got " + std::to_string(batch_size));
  // Whole global batches only, so that an epoch (and a resumed one's rest) is the same
  // samples in the same steps on every world size.
  set_num_samples(dataset_size / (batch_size * num_replicas) * batch_size);
}

std::vector<int64_t> GlobalBatchSampler::epoch_order() const {
  std::vector<int64_t> base = DistributedSampler::epoch_order(), order = base;
  const int64_t W = num_replicas(), B = batch_size_, G = B * W;
  const int64_t full = static_cast<int64_t>(base.size()) / G;
  for (int64_t k = 0; k < full; ++k)
    for (int64_t q = 0; q < W; ++q)
      for (int64_t j = 0; j < B; ++j) order[static_cast<size_t>(k * G + j * W + q)] = base[static_cast<size_t>(k * G + q * B + j)];
  return order;
}

}  // namespace ag::data
