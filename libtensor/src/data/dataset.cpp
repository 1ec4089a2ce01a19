// The Dataset interface's defaults, ListDataset, TensorDataset and npy_dataset.
#include "ag/data/dataset.h"

#include <cstring>
#include <stdexcept>

#include "ag/data/collate.h"
#include "ag/data/tensor_dataset.h"
#include "ag/npy.h"
#include "data/gather.h"

namespace ag::data {

void check_index(int64_t index, int64_t size, const char* what) {
  if (index < 0 || index >= size)
    throw std::out_of_range(std::string(what) + ": index " + std::to_string(index) +
                            " is out of range for a dataset of " + std::to_string(size) + " samples");
}

Example<> Dataset::get_batch(std::span<const int64_t> indices) const {
  std::vector<Example<>> examples;
  examples.reserve(indices.size());
  for (int64_t i : indices) examples.push_back(get(i));
  return default_collate(examples);
}

Example<> ListDataset::get(int64_t index) const {
  check_index(index, size(), "ListDataset");
  return (*examples_)[static_cast<size_t>(index)];
}

namespace detail {

Tensor gather_rows(const Tensor& t, std::span<const int64_t> indices) {
  Dims shape = t.sizes();
  shape[0] = static_cast<int64_t>(indices.size());
  if (!t.is_contiguous()) {  // rare: views; fall back to stacking the rows
    TensorList rows;
    rows.reserve(indices.size());
    for (int64_t i : indices) rows.push_back(t.select(0, i));
    return rows.empty() ? empty(shape, t.dtype()) : stack(rows);
  }
  Tensor out = empty(shape, t.dtype());
  const size_t row_bytes = t.size(0) == 0 ? 0 : t.nbytes() / static_cast<size_t>(t.size(0));
  const auto* src = static_cast<const char*>(t.data_ptr());
  auto* dst = static_cast<char*>(out.data_ptr());
  for (size_t k = 0; k < indices.size(); ++k)
    std::memcpy(dst + k * row_bytes, src + static_cast<size_t>(indices[k]) * row_bytes, row_bytes);
  return out;
}

}  // namespace detail

TensorDataset::TensorDataset(std::vector<Tensor> tensors) : tensors_(std::move(tensors)) {
  if (tensors_.empty()) throw std::invalid_argument("TensorDataset: needs at least one tensor");
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (!tensors_[i].defined()) throw std::invalid_argument("TensorDataset: tensor " + std::to_string(i) + " is undefined");
    if (tensors_[i].dim() == 0)
      throw std::invalid_argument("TensorDataset: tensor " + std::to_string(i) + " is 0-dimensional; every tensor needs a first (sample) dimension");
    if (tensors_[i].size(0) != tensors_[0].size(0))
      throw std::invalid_argument("TensorDataset: size mismatch between tensors: tensor 0 has " +
                                  std::to_string(tensors_[0].size(0)) + " samples (shape " + to_string(tensors_[0].sizes()) +
                                  ") but tensor " + std::to_string(i) + " has " + std::to_string(tensors_[i].size(0)) +
                                  " (shape " + to_string(tensors_[i].sizes()) + ")");
  }
  size_ = tensors_[0].size(0);
}

Example<> TensorDataset::get(int64_t index) const {
  check_index(index, size_, "TensorDataset");
  std::vector<Tensor> fields;
  fields.reserve(tensors_.size());
  for (const Tensor& t : tensors_) fields.push_back(t.select(0, index));
  return Example<>(std::move(fields));
}

Example<> TensorDataset::get_batch(std::span<const int64_t> indices) const {
  for (int64_t i : indices) check_index(i, size_, "TensorDataset");
  std::vector<Tensor> fields;
  fields.reserve(tensors_.size());
  for (const Tensor& t : tensors_) fields.push_back(detail::gather_rows(t, indices));
  return Example<>(std::move(fields));
}

TensorDataset npy_dataset(const std::vector<std::string>& paths) {
  if (paths.empty()) throw std::invalid_argument("npy_dataset: needs at least one file");
  std::vector<Tensor> tensors;
  for (const std::string& p : paths) {
    Tensor t = load_npy(p);
    if (t.dim() == 0) throw std::runtime_error("npy file '" + p + "': holds a 0-dimensional array; a dataset needs a first (sample) dimension");
    if (!tensors.empty() && t.size(0) != tensors[0].size(0))
      throw std::runtime_error("npy_dataset: '" + paths[0] + "' has " + std::to_string(tensors[0].size(0)) + " samples (shape " +
                               to_string(tensors[0].sizes()) + ") but '" + p + "' has " + std::to_string(t.size(0)) +
                               " (shape " + to_string(t.sizes()) + ")");
    tensors.push_back(std::move(t));
  }
  return TensorDataset(std::move(tensors));
}

}  // namespace ag::data
