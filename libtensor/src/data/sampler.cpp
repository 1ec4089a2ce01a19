// SequentialSampler, RandomSampler and BatchSampler (see Note [Sampler passes] in sampler.h).
#include "ag/data/sampler.h"

#include <numeric>
#include <stdexcept>
#include <string>

namespace ag::data {

namespace {

void check_size(int64_t n, const char* what) {
  if (n < 0) throw std::invalid_argument(std::string(what) + ": dataset size must be non-negative, got " + std::to_string(n));
}

void check_dataset_size(const SamplerState& s, int64_t n, const char* what) {
  if (s.dataset_size != n)
    throw std::invalid_argument(std::string(what) + "::load_state: the state was saved for a dataset of " +
                                std::to_string(s.dataset_size) + " samples, this sampler has " + std::to_string(n));
  if (s.consumed < 0) throw std::invalid_argument(std::string(what) + "::load_state: negative consumed count " + std::to_string(s.consumed));
}

// PyTorch's int64 random_(): random64() % 2^63.
uint64_t draw_int64_seed(Generator& g) { return g.random64() % (1ULL << 63); }

}  // namespace

// ---- SequentialSampler

SequentialSampler::SequentialSampler(int64_t n) : n_(n) { check_size(n, "SequentialSampler"); }

std::vector<int64_t> SequentialSampler::start_pass() {
  offset_ = resume_ ? std::min(*resume_, n_) : 0;
  resume_.reset();
  started_ = true;
  std::vector<int64_t> out(static_cast<size_t>(n_ - offset_));
  std::iota(out.begin(), out.end(), offset_);
  return out;
}

SamplerState SequentialSampler::state(int64_t consumed) const {
  SamplerState s;
  s.epoch = epoch_;
  s.dataset_size = n_;
  if (resume_) {
    s.mid_pass = true;
    s.consumed = *resume_;
  } else {
    s.consumed = started_ ? offset_ + consumed : 0;
    s.mid_pass = started_ && s.consumed < n_;
  }
  return s;
}

void SequentialSampler::load_state(const SamplerState& s) {
  check_dataset_size(s, n_, "SequentialSampler");
  epoch_ = s.epoch;
  started_ = false;
  resume_.reset();
  if (s.mid_pass) resume_ = s.consumed;
}

// ---- RandomSampler

RandomSampler::RandomSampler(int64_t n, std::shared_ptr<Generator> generator) : n_(n), generator_(std::move(generator)) {
  if (n <= 0)  // PyTorch refuses an empty data source too
    throw std::invalid_argument("RandomSampler: num_samples should be a positive integer value, but got num_samples=" + std::to_string(n));
}

RandomSampler RandomSampler::with_seed(int64_t n, uint64_t seed) {
  RandomSampler s(n);
  s.seed_ = seed;
  return s;
}

std::vector<int64_t> RandomSampler::start_pass() {
  std::vector<int64_t> order;
  if (seed_) {
    Generator g(*seed_ + static_cast<uint64_t>(epoch_));
    order = randperm_vector(n_, g);
  } else if (generator_) {
    if (resume_) generator_->set_state(*resume_->generator_state);
    pass_generator_state_ = generator_->get_state();
    order = randperm_vector(n_, *generator_);
  } else {
    pass_seed_ = resume_ ? resume_->pass_seed : draw_int64_seed(default_generator());
    Generator g(pass_seed_);
    order = randperm_vector(n_, g);
  }
  offset_ = resume_ ? std::min(resume_->consumed, n_) : 0;
  resume_.reset();
  started_ = true;
  order.erase(order.begin(), order.begin() + offset_);
  return order;
}

void RandomSampler::end_pass() {
  // PyTorch's __iter__ ends with `yield from randperm(n, generator)[:num_samples % n]`, which
  // draws a whole permutation even when it keeps none of it.
  if (generator_ && !seed_) randperm_vector(n_, *generator_);
}

SamplerState RandomSampler::state(int64_t consumed) const {
  if (resume_) return *resume_;
  SamplerState s;
  s.epoch = epoch_;
  s.dataset_size = n_;
  s.consumed = started_ ? offset_ + consumed : 0;
  s.mid_pass = started_ && s.consumed < n_;
  if (s.mid_pass && !seed_) {
    if (generator_) s.generator_state = pass_generator_state_;
    else s.pass_seed = pass_seed_;
  }
  return s;
}

void RandomSampler::load_state(const SamplerState& s) {
  check_dataset_size(s, n_, "RandomSampler");
  if (s.mid_pass && generator_ && !seed_ && !s.generator_state)
    throw std::invalid_argument("RandomSampler::load_state: a mid-pass state for a sampler with a generator needs generator_state");
  epoch_ = s.epoch;
  started_ = false;
  resume_.reset();
  if (s.mid_pass) resume_ = s;
}

// ---- BatchSampler

std::span<const int64_t> BatchPlan::batch(int64_t k) const {
  const auto begin = static_cast<size_t>(k * batch_size);
  const size_t end = std::min(indices.size(), begin + static_cast<size_t>(batch_size));
  return std::span<const int64_t>(indices.data() + begin, end - begin);
}

BatchSampler::BatchSampler(std::shared_ptr<Sampler> sampler, int64_t batch_size, bool drop_last)
    : sampler_(std::move(sampler)), batch_size_(batch_size), drop_last_(drop_last) {
  if (!sampler_) throw std::invalid_argument("BatchSampler: sampler is null");
  if (batch_size <= 0)
    throw std::invalid_argument("BatchSampler: batch_size should be a positive integer value, but got batch_size=" +
                                std::to_string(batch_size));
}

int64_t BatchSampler::size() const {
  const int64_t n = sampler_->size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

BatchPlan BatchSampler::start_pass() {
  BatchPlan plan;
  plan.indices = sampler_->start_pass();
  plan.batch_size = batch_size_;
  const auto n = static_cast<int64_t>(plan.indices.size());
  plan.num_batches = drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
  return plan;
}

int64_t BatchSampler::exhaustion_batch(const BatchPlan& plan) const {
  const bool partial_last = !drop_last_ && static_cast<int64_t>(plan.indices.size()) % batch_size_ != 0;
  return partial_last ? plan.num_batches - 1 : plan.num_batches;
}

SamplerState BatchSampler::state(const BatchPlan& plan, int64_t batches) const {
  // A finished plan has used all its indices, including any that drop_last left out.
  const int64_t consumed = batches >= plan.num_batches ? static_cast<int64_t>(plan.indices.size()) : batches * batch_size_;
  return sampler_->state(consumed);
}

}  // namespace ag::data
