// ag::data::TensorDataset: tensors sharing their first dimension, zipped into samples.
#pragma once
#include <string>
#include <vector>

#include "ag/data/dataset.h"

namespace ag::data {

/// torch.utils.data.TensorDataset: sample i is {t0[i], t1[i], ...}, so data and labels zip
/// into one loader. Every tensor must have at least one dimension and the same size(0).
/// get_batch gathers the rows of each tensor straight into the batch.
class TensorDataset : public Dataset {
 public:
  explicit TensorDataset(std::vector<Tensor> tensors);
  /// TensorDataset(x, y) for TensorDataset({x, y}).
  template <typename... Rest>
  TensorDataset(const Tensor& first, const Rest&... rest) : TensorDataset(std::vector<Tensor>{first, rest...}) {}

  int64_t size() const override { return size_; }
  Example<> get(int64_t index) const override;
  Example<> get_batch(std::span<const int64_t> indices) const override;
  /// The tensors, in order.
  const std::vector<Tensor>& tensors() const { return tensors_; }

 private:
  std::vector<Tensor> tensors_;
  int64_t size_ = 0;
};

/// A TensorDataset from .npy files (one tensor per file, read with ag::load_npy); the files
/// must agree on their first dimension, and the error names both files when they do not.
TensorDataset npy_dataset(const std::vector<std::string>& paths);

}  // namespace ag::data
