// ag::data::BucketSampler: DistributedSampler's sharding, resuming and per-epoch
// determinism, with an order that puts sequences of similar length in the same
// batch, so a padded batch wastes little on padding.
#pragma once
#include <cstdint>
#include <vector>

#include "ag/data/distributed_sampler.h"

namespace ag::data {

/// The epoch's global order is built in global batches of G = batch_size × num_replicas
/// samples: randperm(N) from a generator seeded seed + epoch is cut into pools of
/// `pool_batches` global batches; each pool is sorted by length (stable) and cut into
/// global batches; the full global batches are shuffled with the same generator and the
/// one partial batch, if any, goes last. Rank r takes entries r, r + R, ... as
/// DistributedSampler does, so with a loader of `batch_size` every rank's batch k comes
/// from global batch k, whose lengths are close. Without shuffle the order is all of
/// 0..N-1 sorted by length. Resuming follows DistributedSampler (Note [Resharding on
/// resume]); after a change of world size the rest of that epoch keeps every sample
/// once but no longer lines up with the buckets.
class BucketSampler : public DistributedSampler {
 public:
  BucketSampler(std::vector<int64_t> lengths, int64_t batch_size, int64_t num_replicas = 1, int64_t rank = 0,
                bool shuffle = true, uint64_t seed = 0, int64_t pool_batches = 50);

 protected:
  std::vector<int64_t> epoch_order() const override;

 private:
  std::vector<int64_t> lengths_;
  int64_t global_batch_, pool_batches_;
};

}  // namespace ag::data
