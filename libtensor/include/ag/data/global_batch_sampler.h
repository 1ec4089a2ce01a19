// ag::data::GlobalBatchSampler: DistributedSampler's epoch order, split so that rank
// r of W takes the r-th contiguous block of each global batch instead of every W-th
// sample. Global batch k is samples k·G .. k·G + G − 1 of the epoch's order (G =
// batch_size × W) on any world size, so a sample's place in its global batch, and the
// micro-batch it falls in, do not depend on W: what FixedOrderReducer needs for
// results that are the same on any number of ranks (allgrad train --reproducible).
// The last, incomplete global batch is left out (size() counts whole global batches
// only), since how it would be split depends on W. A resume on another world size
// with the same global batch (batch_size × W kept) continues exactly: the samples
// consumed are whole global batches, and the rest is re-split by blocks.
#pragma once
#include <cstdint>

#include "ag/data/distributed_sampler.h"

namespace ag::data {

class GlobalBatchSampler : public DistributedSampler {
 public:
  GlobalBatchSampler(int64_t dataset_size, int64_t batch_size, int64_t num_replicas = 1, int64_t rank = 0,
                     bool shuffle = true, uint64_t seed = 0);

 protected:
  /// DistributedSampler's order with each full global batch re-strided: entry j·W + q
  /// of the batch is entry q·B + j of the base order, so rank q's j-th index of the
  /// batch (DistributedSampler hands it entries q, q + W, ...) is the base order's q·B + j.
  std::vector<int64_t> epoch_order() const override;

 private:
  int64_t batch_size_;
};

}  // namespace ag::data
