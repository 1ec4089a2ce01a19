// ag::data::Subset and random_split: views of a dataset through a list of indices.
#pragma once
#include <vector>

#include "ag/data/dataset.h"
#include "ag/generator.h"

namespace ag::data {

/// torch.utils.data.Subset: sample i is dataset[indices[i]]. Indices are checked against the
/// dataset's size when the subset is made. get_batch maps the indices and forwards to the
/// dataset's own get_batch, so a fast batch path survives the wrapping.
class Subset : public Dataset {
 public:
  Subset(DatasetRef dataset, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_->size()); }
  Example<> get(int64_t index) const override;
  Example<> get_batch(std::span<const int64_t> indices) const override;
  /// The wrapped dataset's indices, in subset order.
  const std::vector<int64_t>& indices() const { return *indices_; }
  const DatasetRef& dataset() const { return dataset_; }

 private:
  DatasetRef dataset_;
  std::shared_ptr<const std::vector<int64_t>> indices_;
};

/// torch.utils.data.random_split. `lengths` are either sample counts summing to
/// dataset.size(), or fractions summing to 1 (PyTorch's rule: fractions when the sum is
/// close to 1 and at most 1); fractions are floored and the remainder handed out one by one
/// from the first split on. The order comes from randperm(n) drawn from `generator` (the
/// global generator when null), so a seed gives PyTorch's split.
std::vector<Subset> random_split(const DatasetRef& dataset, const std::vector<double>& lengths,
                                 Generator* generator = nullptr);

}  // namespace ag::data
