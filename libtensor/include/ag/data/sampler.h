// Samplers: the order in which a loader visits a dataset's indices, and where a pass stands.
//
// Note [Sampler passes]: a pass is one epoch's worth of indices. start_pass() fixes the whole
// order at once (drawing random numbers exactly as PyTorch's sampler __iter__ does when it is
// first advanced) and returns it. A sampler can report where it is after `consumed` of those
// indices have been used (state) and be put back there (load_state): the next start_pass()
// then replays the interrupted pass without drawing and returns only the indices not yet used.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "ag/generator.h"

namespace ag::data {

/// Where a sampler stands: a plain value to put in a checkpoint.
struct SamplerState {
  /// The epoch set with set_epoch.
  int64_t epoch = 0;
  /// True when a pass has started and not all of its indices were consumed.
  bool mid_pass = false;
  /// Indices of the current pass already consumed. DistributedSampler counts global samples
  /// (all ranks together), so the count survives a change of world size.
  int64_t consumed = 0;
  /// Size of the dataset the sampler draws from; load_state refuses a different one.
  int64_t dataset_size = 0;
  /// DistributedSampler: how many entries of the epoch's global order are real samples
  /// (N, or total_size with drop_last), fixed by the world size the epoch started with.
  int64_t pass_samples = 0;
  /// RandomSampler without a generator: the seed this pass drew from the global generator.
  uint64_t pass_seed = 0;
  /// RandomSampler with a generator: the generator's state just before this pass's randperm.
  std::optional<Generator::State> generator_state;
};

/// Interface of every sampler (see Note [Sampler passes]).
class Sampler {
 public:
  virtual ~Sampler() = default;
  /// Indices in one full pass (Python's len(sampler)).
  virtual int64_t size() const = 0;
  /// Starts a pass and returns its indices in order (only the remaining ones after load_state).
  virtual std::vector<int64_t> start_pass() = 0;
  /// Called when the pass's indices are exhausted, at the point PyTorch's sampler iterator
  /// raises StopIteration; RandomSampler with a generator makes PyTorch's trailing draw here.
  virtual void end_pass() {}
  /// Where the sampler stands after `consumed` of the indices the last start_pass() returned
  /// have been used.
  virtual SamplerState state(int64_t consumed) const = 0;
  /// Puts the sampler where `state` says; a mid-pass state is replayed by the next start_pass().
  virtual void load_state(const SamplerState& state) = 0;
  /// Chooses the epoch; samplers whose order depends on it (DistributedSampler, seeded
  /// RandomSampler) give a new order per epoch. Like PyTorch, call it before each pass.
  virtual void set_epoch(int64_t epoch) { epoch_ = epoch; }
  int64_t epoch() const { return epoch_; }

 protected:
  int64_t epoch_ = 0;
};

/// torch.utils.data.SequentialSampler: 0, 1, ..., n-1.
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(int64_t n);
  int64_t size() const override { return n_; }
  std::vector<int64_t> start_pass() override;
  SamplerState state(int64_t consumed) const override;
  void load_state(const SamplerState& state) override;

 private:
  int64_t n_;
  int64_t offset_ = 0;       // first index of the current pass (non-zero after a resume)
  bool started_ = false;
  std::optional<int64_t> resume_;
};

/// torch.utils.data.RandomSampler (without replacement), in one of three modes:
///  - no generator (PyTorch's default): each pass draws an int64 seed from the global
///    generator and runs randperm(n) on a private generator seeded with it;
///  - a generator: randperm(n) draws from it directly, and, as in PyTorch, a second
///    randperm(n) is drawn (and discarded) when the pass is exhausted;
///  - seeded (with_seed): pass order = randperm(n) from a fresh generator seeded seed + epoch,
///    so set_epoch gives a new order per epoch and any epoch can be replayed from the seed
///    alone (DistributedSampler's rule with one replica; PyTorch's RandomSampler has no such mode).
class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(int64_t n, std::shared_ptr<Generator> generator = nullptr);
  /// The seeded mode.
  static RandomSampler with_seed(int64_t n, uint64_t seed);

  int64_t size() const override { return n_; }
  std::vector<int64_t> start_pass() override;
  void end_pass() override;
  SamplerState state(int64_t consumed) const override;
  void load_state(const SamplerState& state) override;

 private:
  int64_t n_;
  std::shared_ptr<Generator> generator_;
  std::optional<uint64_t> seed_;          // seeded mode
  // The current pass: how to replay it, and where its returned indices start.
  bool started_ = false;
  uint64_t pass_seed_ = 0;
  std::optional<Generator::State> pass_generator_state_;
  int64_t offset_ = 0;
  std::optional<SamplerState> resume_;
};

/// The batches of one pass: consecutive chunks of `indices`, the last possibly shorter.
struct BatchPlan {
  std::vector<int64_t> indices;
  int64_t batch_size = 1;
  int64_t num_batches = 0;
  /// Indices of batch k.
  std::span<const int64_t> batch(int64_t k) const;
};

/// torch.utils.data.BatchSampler: groups a sampler's indices into batches of batch_size,
/// keeping a shorter last batch unless drop_last.
class BatchSampler {
 public:
  BatchSampler(std::shared_ptr<Sampler> sampler, int64_t batch_size, bool drop_last);
  /// Batches in one full pass (len(batch_sampler)).
  int64_t size() const;
  /// Starts a pass of the sampler and groups its indices.
  BatchPlan start_pass();
  /// The batch index at which PyTorch's BatchSampler exhausts the sampler's iterator when it
  /// is asked for it: the last batch when that one is partial (and kept), else one past the end.
  int64_t exhaustion_batch(const BatchPlan& plan) const;
  /// The sampler's state after `batches` batches of the current plan were consumed.
  SamplerState state(const BatchPlan& plan, int64_t batches) const;
  Sampler& sampler() const { return *sampler_; }
  int64_t batch_size() const { return batch_size_; }
  bool drop_last() const { return drop_last_; }

 private:
  std::shared_ptr<Sampler> sampler_;
  int64_t batch_size_;
  bool drop_last_;
};

}  // namespace ag::data
