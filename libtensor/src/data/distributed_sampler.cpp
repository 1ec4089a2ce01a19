// DistributedSampler: PyTorch's index assignment, plus resharding on resume
// (see Note [Resharding on resume] in distributed_sampler.h).
#include "ag/data/distributed_sampler.h"

#include <numeric>
#include <stdexcept>
#include <string>

namespace ag::data {

DistributedSampler::DistributedSampler(int64_t dataset_size, int64_t num_replicas, int64_t rank, bool shuffle, uint64_t seed,
                                       bool drop_last)
    : n_(dataset_size), num_replicas_(num_replicas), rank_(rank), shuffle_(shuffle), seed_(seed), drop_last_(drop_last) {
  if (dataset_size < 0) throw std::invalid_argument("DistributedSampler: dataset size must be non-negative, got " + std::to_string(dataset_size));
  if (num_replicas < 1) throw std::invalid_argument("DistributedSampler: num_replicas must be at least 1, got " + std::to_string(num_replicas));
  if (rank < 0 || rank >= num_replicas)
    throw std::invalid_argument("DistributedSampler: invalid rank " + std::to_string(rank) + ", rank should be in the interval [0, " +
                                std::to_string(num_replicas - 1) + "]");
  // PyTorch: ceil((N - R) / R) when dropping a ragged tail, which is floor(N / R); else ceil(N / R).
  num_samples_ = (drop_last && n_ % num_replicas != 0) ? n_ / num_replicas : (n_ + num_replicas - 1) / num_replicas;
}

std::vector<int64_t> DistributedSampler::epoch_order() const {
  std::vector<int64_t> order(static_cast<size_t>(n_));
  if (shuffle_) {
    Generator g(seed_ + static_cast<uint64_t>(epoch_));
    order = randperm_vector(n_, g);
  } else {
    std::iota(order.begin(), order.end(), 0);
  }
  return order;
}

std::vector<int64_t> DistributedSampler::rank_indices(int64_t cursor, int64_t pass_samples) const {
  const std::vector<int64_t> order = epoch_order();
  const int64_t remaining = pass_samples - cursor;
  if (remaining <= 0) return {};
  const int64_t R = num_replicas_;
  const int64_t padded = (remaining + R - 1) / R * R;  // the global list from the cursor on
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(padded / R));
  for (int64_t j = rank_; j < padded; j += R) out.push_back(order[static_cast<size_t>((cursor + j) % pass_samples)]);
  return out;
}

std::vector<int64_t> DistributedSampler::indices() const {
  return rank_indices(0, drop_last_ ? total_size() : n_);
}

std::vector<int64_t> DistributedSampler::start_pass() {
  if (resume_) {
    start_cursor_ = resume_->consumed;
    pass_samples_ = resume_->pass_samples;
  } else {
    start_cursor_ = 0;
    pass_samples_ = drop_last_ ? total_size() : n_;
  }
  resume_.reset();
  started_ = true;
  return rank_indices(start_cursor_, pass_samples_);
}

SamplerState DistributedSampler::state(int64_t consumed) const {
  if (resume_) return *resume_;
  SamplerState s;
  s.epoch = epoch_;
  s.dataset_size = n_;
  s.pass_samples = started_ ? pass_samples_ : (drop_last_ ? total_size() : n_);
  s.consumed = started_ ? std::min(start_cursor_ + consumed * num_replicas_, s.pass_samples) : 0;
  s.mid_pass = started_ && s.consumed < s.pass_samples;
  return s;
}

void DistributedSampler::load_state(const SamplerState& s) {
  if (s.dataset_size != n_)
    throw std::invalid_argument("DistributedSampler::load_state: the state was saved for a dataset of " + std::to_string(s.dataset_size) +
                                " samples, this sampler has " + std::to_string(n_));
  if (s.mid_pass && (s.pass_samples < 0 || s.pass_samples > n_ || s.consumed < 0 || s.consumed > s.pass_samples))
    throw std::invalid_argument("DistributedSampler::load_state: inconsistent state (consumed " + std::to_string(s.consumed) +
                                " of " + std::to_string(s.pass_samples) + " samples, dataset of " + std::to_string(n_) + ")");
  epoch_ = s.epoch;
  started_ = false;
  resume_.reset();
  if (s.mid_pass) resume_ = s;
}

}  // namespace ag::data
