// ag::data::Dataset: the map-style dataset interface (size and get), the handle loaders and
// wrappers hold datasets by, and a dataset over an in-memory list of examples.
#pragma once
#include <concepts>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "ag/data/example.h"

namespace ag::data {

/// A map-style dataset (torch.utils.data.Dataset): `size()` samples, each read with `get(i)`.
/// Loaders may call `get` and `get_batch` from several threads at once, so both must be safe
/// to call concurrently (they are const; a dataset that draws random numbers must bring its
/// own per-call generator rather than use the global one).
///
/// Datasets are cheap to copy: the classes here share their data between copies, and loaders
/// and wrappers keep a copy (see DatasetRef).
class Dataset {
 public:
  virtual ~Dataset() = default;
  /// Number of samples (Python's len(dataset)).
  virtual int64_t size() const = 0;
  /// Sample `index`, 0 <= index < size(); throws std::out_of_range otherwise.
  virtual Example<> get(int64_t index) const = 0;
  /// The samples at `indices`, already collated (each field stacked along a new dim 0).
  /// The default collates get(i) with default_collate; datasets that can assemble a batch
  /// directly (gathering rows, converting pixels straight into the batch) override it, and
  /// DataLoader's default collation calls it.
  virtual Example<> get_batch(std::span<const int64_t> indices) const;
};

/// Throws std::out_of_range "<what>: index i is out of range for a dataset of n samples".
void check_index(int64_t index, int64_t size, const char* what);

/// How loaders and wrappers hold a dataset: shared and immutable. Built implicitly from a
/// dataset value (moved or copied in, which is cheap for the datasets here) or from a
/// shared_ptr when the caller wants to keep sharing one object.
class DatasetRef {
 public:
  template <typename D>
    requires std::derived_from<std::remove_cvref_t<D>, Dataset> && (!std::is_abstract_v<std::remove_cvref_t<D>>)
  DatasetRef(D&& dataset)  // NOLINT: implicit, so DataLoader(dataset, ...) reads like Python
      : ptr_(std::make_shared<std::remove_cvref_t<D>>(std::forward<D>(dataset))) {}
  template <typename D>
    requires std::derived_from<D, Dataset>
  DatasetRef(std::shared_ptr<D> dataset) : ptr_(std::move(dataset)) {  // NOLINT
    if (!ptr_) throw std::invalid_argument("DatasetRef: null dataset");
  }

  const Dataset& operator*() const { return *ptr_; }
  const Dataset* operator->() const { return ptr_.get(); }
  const std::shared_ptr<const Dataset>& ptr() const { return ptr_; }

 private:
  std::shared_ptr<const Dataset> ptr_;
};

/// A dataset over examples held in memory: Python's list of tuples used as a dataset.
class ListDataset : public Dataset {
 public:
  explicit ListDataset(std::vector<Example<>> examples)
      : examples_(std::make_shared<const std::vector<Example<>>>(std::move(examples))) {}
  int64_t size() const override { return static_cast<int64_t>(examples_->size()); }
  Example<> get(int64_t index) const override;

 private:
  std::shared_ptr<const std::vector<Example<>>> examples_;
};

}  // namespace ag::data
