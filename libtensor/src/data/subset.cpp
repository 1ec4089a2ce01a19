// Subset, random_split and ConcatDataset: datasets seen through other datasets' indices.
#include "ag/data/subset.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "ag/data/concat_dataset.h"

namespace ag::data {

Subset::Subset(DatasetRef dataset, std::vector<int64_t> indices) : dataset_(std::move(dataset)) {
  const int64_t n = dataset_->size();
  for (size_t k = 0; k < indices.size(); ++k)
    if (indices[k] < 0 || indices[k] >= n)
      throw std::out_of_range("Subset: index " + std::to_string(indices[k]) + " (entry " + std::to_string(k) +
                              ") is out of range for a dataset of " + std::to_string(n) + " samples");
  indices_ = std::make_shared<const std::vector<int64_t>>(std::move(indices));
}

Example<> Subset::get(int64_t index) const {
  check_index(index, size(), "Subset");
  return dataset_->get((*indices_)[static_cast<size_t>(index)]);
}

Example<> Subset::get_batch(std::span<const int64_t> indices) const {
  std::vector<int64_t> mapped(indices.size());
  for (size_t k = 0; k < indices.size(); ++k) {
    check_index(indices[k], size(), "Subset");
    mapped[k] = (*indices_)[static_cast<size_t>(indices[k])];
  }
  return dataset_->get_batch(mapped);
}

std::vector<Subset> random_split(const DatasetRef& dataset, const std::vector<double>& lengths, Generator* generator) {
  const int64_t n = dataset->size();
  if (lengths.empty()) throw std::invalid_argument("random_split: lengths is empty");
  double sum = 0;
  for (double l : lengths) sum += l;
  std::vector<int64_t> counts;
  // PyTorch: math.isclose(sum(lengths), 1) and sum(lengths) <= 1 means fractions.
  if (std::abs(sum - 1.0) <= 1e-9 * std::max(std::abs(sum), 1.0) && sum <= 1) {
    for (size_t i = 0; i < lengths.size(); ++i) {
      if (lengths[i] < 0 || lengths[i] > 1)
        throw std::invalid_argument("random_split: fraction at index " + std::to_string(i) + " is not between 0 and 1");
      counts.push_back(static_cast<int64_t>(std::floor(static_cast<double>(n) * lengths[i])));
    }
    int64_t remainder = n;
    for (int64_t c : counts) remainder -= c;
    for (int64_t i = 0; i < remainder; ++i) ++counts[static_cast<size_t>(i) % counts.size()];
  } else {
    for (size_t i = 0; i < lengths.size(); ++i) {
      if (lengths[i] < 0 || lengths[i] != std::floor(lengths[i]))
        throw std::invalid_argument("random_split: length at index " + std::to_string(i) + " (" + std::to_string(lengths[i]) +
                                    ") is neither a sample count nor part of fractions summing to 1");
      counts.push_back(static_cast<int64_t>(lengths[i]));
    }
  }
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  if (total != n)
    throw std::invalid_argument("random_split: sum of input lengths (" + std::to_string(total) +
                                ") does not equal the length of the input dataset (" + std::to_string(n) + ")");
  std::vector<int64_t> perm = randperm_vector(n, generator ? *generator : default_generator());
  std::vector<Subset> out;
  int64_t offset = 0;
  for (int64_t c : counts) {
    out.emplace_back(dataset, std::vector<int64_t>(perm.begin() + offset, perm.begin() + offset + c));
    offset += c;
  }
  return out;
}

ConcatDataset::ConcatDataset(std::vector<DatasetRef> datasets) : datasets_(std::move(datasets)) {
  if (datasets_.empty()) throw std::invalid_argument("ConcatDataset: datasets should not be an empty iterable");
  int64_t total = 0;
  for (const DatasetRef& d : datasets_) {
    total += d->size();
    cumulative_.push_back(total);
  }
}

Example<> ConcatDataset::get(int64_t index) const {
  check_index(index, size(), "ConcatDataset");
  // bisect_right: the first dataset whose cumulative size exceeds the index.
  auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), index);
  size_t d = static_cast<size_t>(it - cumulative_.begin());
  int64_t local = d == 0 ? index : index - cumulative_[d - 1];
  return datasets_[d]->get(local);
}

}  // namespace ag::data
