// libtorch's dataset classes: ag::data::datasets::Dataset<Self, Example> (CRTP; a user's class
// defines get(index) and size()) and BatchDataset, the base of every dataset that hands out
// whole batches (what .map() returns). They are what make_data_loader loads from.
//
//   struct Squares : torch::data::datasets::Dataset<Squares> {
//     torch::data::Example<> get(size_t i) override { return {torch::tensor(float(i)), torch::tensor(float(i * i))}; }
//     std::optional<size_t> size() const override { return 100; }
//   };
//
// These are value types, as in libtorch: map() and make_data_loader take the dataset by value
// (move it in). ag::data::Dataset (no template) is allgrad's own map-style interface, held by
// DataLoader through a shared handle; the two meet in make_data_loader.
#pragma once
#include <cstddef>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "ag/data/example.h"

namespace ag::data::datasets {

template <typename SourceDataset, typename AppliedTransform>
class MapDataset;

/// A dataset that returns a whole batch for a request (by default a list of indices).
/// get_batch is not const, as in libtorch: a dataset may keep state. A loader with workers
/// gives each worker its own copy of the dataset (see make_data_loader), so get_batch never
/// runs on one object from two threads at once.
template <typename Self, typename Batch, typename BatchRequest = std::span<const size_t>>
class BatchDataset {
 public:
  using SelfType = Self;
  using BatchType = Batch;
  using BatchRequestType = BatchRequest;

  virtual ~BatchDataset() = default;
  /// The batch for `request`.
  virtual Batch get_batch(BatchRequest request) = 0;
  /// Number of samples, or nullopt when unknown (libtorch's stream datasets; allgrad's loader
  /// needs a size and says so).
  virtual std::optional<size_t> size() const = 0;

  /// This dataset with `transform` applied to every batch it returns (libtorch's map()).
  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) & {
    return MapDataset<Self, TransformType>(static_cast<Self&>(*this), std::move(transform));
  }
  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) && {
    return MapDataset<Self, TransformType>(std::move(static_cast<Self&>(*this)), std::move(transform));
  }
};

/// A map-style dataset in libtorch's shape: define get(index) and size(); a batch is the list
/// of get(i) for its indices, which a Stack<> transform turns into one stacked Example.
template <typename Self, typename SingleExample = Example<>>
class Dataset : public BatchDataset<Self, std::vector<SingleExample>> {
 public:
  using ExampleType = SingleExample;

  /// Sample `index`.
  virtual ExampleType get(size_t index) = 0;

  std::vector<ExampleType> get_batch(std::span<const size_t> indices) override {
    std::vector<ExampleType> batch;
    batch.reserve(indices.size());
    for (size_t i : indices) batch.push_back(get(i));
    return batch;
  }
};

}  // namespace ag::data::datasets

#include "ag/data/datasets/map.h"  // map()'s return type, complete for every includer
