// ag::data::DistributedSampler: which indices each rank of a data-parallel job visits.
// Pure arithmetic on (N, world size, rank, epoch, seed); no communication.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "ag/data/sampler.h"

namespace ag::data {

/// torch.utils.data.distributed.DistributedSampler. Per epoch the global order is
/// randperm(N) from a fresh generator seeded seed + epoch (shuffle) or 0..N-1; without
/// drop_last it is padded to total_size() by repeating from its start (cycling when the
/// padding exceeds N), with drop_last truncated to total_size(); rank r takes entries
/// r, r + R, r + 2R, ... (strided, not contiguous blocks). Every rank gets num_samples()
/// indices, so ranks run the same number of steps by construction, whatever N: this is
/// how data-parallel training stays in step (DistributedDataParallel has no join; a
/// sampler giving ranks different batch counts makes the longer ranks wait in a
/// collective the others never enter, until the collective timeout aborts the job).
///
/// Note [Resharding on resume]: state(consumed) reports the global samples consumed, c =
/// consumed * R (ranks consume in lockstep, so after k local indices each, global entries
/// [0, kR) are done). Loading it with another world size R' re-splits the rest of the epoch:
/// with M = pass_samples - c real samples left, the new global list is entry (c + j) mod
/// pass_samples of the epoch's order for j in [0, ceil(M / R') * R'), and rank r takes every
/// R'-th entry from r. Every remaining sample is seen exactly once; the at most R' - 1
/// padding entries repeat samples from the start of the epoch. With R' = R this is exactly
/// the uninterrupted epoch. (With drop_last the remainder is padded, not truncated, so a
/// world-size change loses no sample of the epoch.)
class DistributedSampler : public Sampler {
 public:
  DistributedSampler(int64_t dataset_size, int64_t num_replicas, int64_t rank, bool shuffle = true,
                     uint64_t seed = 0, bool drop_last = false);
  /// Python's DistributedSampler(dataset): the dataset's size, and the world size and rank
  /// of `group` (an ag::dist::Communicator, or anything with world_size() and rank()).
  template <typename D, typename Group>
    requires requires(const D& d, const Group& g) {
      d.size();
      g.world_size();
      g.rank();
    }
  DistributedSampler(const D& dataset, const Group& group, bool shuffle = true, uint64_t seed = 0,
                     bool drop_last = false)
      : DistributedSampler(size_of(dataset), group.world_size(), group.rank(), shuffle, seed, drop_last) {}

  /// Indices per rank per epoch (PyTorch's num_samples).
  int64_t size() const override { return num_samples_; }
  int64_t num_samples() const { return num_samples_; }
  /// num_samples() * num_replicas().
  int64_t total_size() const { return num_samples_ * num_replicas_; }
  int64_t num_replicas() const { return num_replicas_; }
  int64_t rank() const { return rank_; }

  std::vector<int64_t> start_pass() override;
  SamplerState state(int64_t consumed) const override;
  void load_state(const SamplerState& state) override;

  /// This rank's indices for the epoch set by set_epoch, from the start (PyTorch's list(iter(sampler))).
  std::vector<int64_t> indices() const;

 protected:
  /// The epoch's global order of the N samples, before padding and the split over ranks:
  /// randperm(N) from a generator seeded seed + epoch, or 0..N-1 without shuffle.
  /// Subclasses choose another order (BucketSampler groups similar lengths).
  virtual std::vector<int64_t> epoch_order() const;
  bool shuffle() const { return shuffle_; }
  uint64_t seed() const { return seed_; }
  /// For subclasses that take fewer samples per epoch than the dataset's split (set in their constructor).
  void set_num_samples(int64_t n) { num_samples_ = n; }

 private:
  /// A dataset's size, whether size() gives a number or (libtorch's datasets) an optional one.
  template <typename D>
  static int64_t size_of(const D& dataset) {
    const auto n = dataset.size();
    if constexpr (requires { n.has_value(); }) {
      if (!n.has_value()) throw std::invalid_argument("DistributedSampler: the dataset has no size (a stream)");
      return static_cast<int64_t>(*n);
    } else {
      return static_cast<int64_t>(n);
    }
  }

  /// This rank's share of the epoch from global cursor `cursor` on.
  std::vector<int64_t> rank_indices(int64_t cursor, int64_t pass_samples) const;

  int64_t n_, num_replicas_, rank_;
  bool shuffle_;
  uint64_t seed_;
  bool drop_last_;
  int64_t num_samples_;
  // The current pass: the global cursor it started from and its real-sample count.
  bool started_ = false;
  int64_t start_cursor_ = 0;
  int64_t pass_samples_ = 0;
  std::optional<SamplerState> resume_;
};

}  // namespace ag::data
