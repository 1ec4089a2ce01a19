// ag::data::datasets::MapDataset: a dataset whose batches pass through a transform
// (what dataset.map(transform) returns, as in libtorch).
#pragma once
#include <optional>
#include <utility>

#include "ag/data/datasets/base.h"

namespace ag::data::datasets {

/// `source` with `transform.apply_batch` applied to each batch it returns. Mapping again
/// nests: MNIST(...).map(Normalize<>(...)).map(Stack<>()) yields stacked, normalised batches.
template <typename SourceDataset, typename AppliedTransform>
class MapDataset : public BatchDataset<MapDataset<SourceDataset, AppliedTransform>, typename AppliedTransform::OutputBatchType,
                                       typename SourceDataset::BatchRequestType> {
 public:
  using DatasetType = SourceDataset;
  using TransformType = AppliedTransform;
  using BatchRequestType = typename SourceDataset::BatchRequestType;
  using OutputBatchType = typename AppliedTransform::OutputBatchType;

  MapDataset(SourceDataset source, AppliedTransform transform) : dataset_(std::move(source)), transform_(std::move(transform)) {}

  OutputBatchType get_batch(BatchRequestType request) override {
    return transform_.apply_batch(dataset_.get_batch(std::move(request)));
  }
  std::optional<size_t> size() const override { return dataset_.size(); }

  const SourceDataset& dataset() const noexcept { return dataset_; }
  const AppliedTransform& transform() const noexcept { return transform_; }

 private:
  SourceDataset dataset_;
  AppliedTransform transform_;
};

/// libtorch's free function datasets::map(dataset, transform).
template <typename SourceDataset, typename AppliedTransform>
MapDataset<SourceDataset, AppliedTransform> map(SourceDataset dataset, AppliedTransform transform) {
  return MapDataset<SourceDataset, AppliedTransform>(std::move(dataset), std::move(transform));
}

}  // namespace ag::data::datasets
