// ag::data::ConcatDataset: several datasets read one after another as one.
#pragma once
#include <vector>

#include "ag/data/dataset.h"

namespace ag::data {

/// torch.utils.data.ConcatDataset: the samples of datasets[0], then datasets[1], ... Sample i
/// is found by binary search over the cumulative sizes.
class ConcatDataset : public Dataset {
 public:
  explicit ConcatDataset(std::vector<DatasetRef> datasets);
  int64_t size() const override { return cumulative_.empty() ? 0 : cumulative_.back(); }
  Example<> get(int64_t index) const override;
  /// Cumulative sizes, PyTorch's cumulative_sizes: entry k is the total of datasets 0..k.
  const std::vector<int64_t>& cumulative_sizes() const { return cumulative_; }

 private:
  std::vector<DatasetRef> datasets_;
  std::vector<int64_t> cumulative_;
};

}  // namespace ag::data
