// ag::data::DataLoader: batches from a dataset, iterated with a range-for, with PyTorch's
// options, RNG consumption, optional background prefetching and a resumable position.
//
//   ag::data::DataLoader loader(dataset, ag::data::DataLoaderOptions(64).shuffle(true));
//   for (auto& batch : loader) { auto [x, y] = batch.unpack<2>(); ... }
//
//   ag::data::DataLoader padded(data, ag::data::DataLoaderOptions(4), collate_fn);  // any batch type
//   for (auto& [inputs, labels, lengths] : padded) { ... }
#pragma once
#include <concepts>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "ag/data/collate.h"
#include "ag/data/dataset.h"
#include "ag/data/prefetcher.h"
#include "ag/arg.h"
#include "ag/data/sampler.h"
#include "ag/generator.h"

namespace ag::data {

/// DataLoader's options, with PyTorch's names and defaults, written as libtorch writes them:
/// `DataLoaderOptions(64).shuffle(true).drop_last(true)` or `DataLoaderOptions().batch_size(64)`;
/// each option is read back with its getter (`o.batch_size()`).
class DataLoaderOptions {
 public:
  DataLoaderOptions() = default;
  /// Implicit, as in libtorch, so `make_data_loader(dataset, 64)` reads as a batch size.
  DataLoaderOptions(int64_t batch_size) : batch_size_(batch_size) {}  // NOLINT

  /// Samples per batch.
  AG_ARG(int64_t, batch_size) = 1;
  /// Reshuffle at every pass (a RandomSampler over the dataset). Excludes `sampler`.
  AG_ARG(bool, shuffle) = false;
  /// Drop the last batch when it would be shorter than batch_size.
  AG_ARG(bool, drop_last) = false;
  /// Where indices come from (e.g. a DistributedSampler); the loader groups them into batches.
  AG_ARG(std::shared_ptr<Sampler>, sampler) = nullptr;
  /// PyTorch's generator=: draws each pass's _base_seed and, with shuffle, the permutation.
  AG_ARG(std::shared_ptr<Generator>, generator) = nullptr;
  /// Shorthand for generator = a Generator seeded with `seed` that the loader owns (Python's
  /// generator=torch.Generator().manual_seed(seed)). Excludes `generator`.
  AG_ARG(std::optional<uint64_t>, seed) = std::nullopt;
  /// Background threads assembling upcoming batches while the current one is used; 0 builds
  /// each batch on the consumer's thread when it is asked for. The order of batches and the
  /// random numbers drawn do not depend on it. Datasets and collate functions then run on
  /// these threads (see Dataset). `workers` (libtorch's name) is the same setting.
  AG_ARG(int, num_workers) = 0;
  /// Batches each worker may have in flight ahead of the consumer.
  AG_ARG(int, prefetch_factor) = 2;

 public:
  /// libtorch's name for num_workers: one setting, two spellings.
  auto& workers(int n) & { return num_workers(n); }
  DataLoaderOptions workers(int n) && { return std::move(*this).num_workers(n); }
  int workers() const noexcept { return num_workers(); }
};

/// Where a loader stands, as a plain value for checkpoints: load it into a loader built the
/// same way (same dataset size, options and sampler kind) and the next pass continues with
/// exactly the batches an uninterrupted run would have produced, without replaying any.
struct LoaderPosition {
  /// True when a pass had started and not all of its batches were handed out.
  bool mid_pass = false;
  /// Batches of that pass already handed out.
  int64_t batches = 0;
  /// The pass's _base_seed (PyTorch draws it at every iter(); a resumed pass reuses it).
  int64_t base_seed = 0;
  /// The sampler's state (epoch, indices consumed, what its random order was drawn from).
  SamplerState sampler;
  /// The loader's own generator (options.generator or options.seed) as it is now, when it has one.
  std::optional<Generator::State> generator;
  int64_t epoch() const { return sampler.epoch; }
};

namespace detail {

/// One pass (PyTorch's iterator object) as the loader tracks it.
struct Pass {
  BatchPlan plan;
  int64_t batch_offset = 0;      // batches handed out before a resume
  int64_t yielded = 0;           // batches of `plan` handed out
  int64_t exhaustion_batch = 0;  // see BatchSampler::exhaustion_batch
  bool exhausted = false;
};

/// The non-template part of DataLoader: dataset, sampler, generator, position. Used only
/// from the consumer's thread.
class LoaderCore {
 public:
  LoaderCore(DatasetRef dataset, DataLoaderOptions options);
  /// A loader whose batches come from elsewhere (see DataLoader's protected constructor).
  LoaderCore(int64_t dataset_size, DataLoaderOptions options);
  /// The dataset; throws for a loader built from a size alone.
  const DatasetRef& dataset() const;
  const DataLoaderOptions& options() const { return options_; }
  /// Batches in a full pass (Python's len(loader)).
  int64_t size() const { return batch_sampler_.size(); }
  Sampler& sampler() const { return batch_sampler_.sampler(); }
  /// PyTorch's iter(): draws _base_seed (unless resuming), then fixes the pass's batches.
  std::shared_ptr<Pass> begin_pass();
  /// The consumer asks for batch k of `pass`; runs the sampler's end-of-pass draw at the
  /// batch where PyTorch's index iterator is exhausted.
  void request(Pass& pass, int64_t k);
  /// Batch k of `pass` was handed to the consumer.
  void yielded(Pass& pass, int64_t k) { pass.yielded = k + 1; }
  LoaderPosition position();
  void load_position(const LoaderPosition& position);
  void set_epoch(int64_t epoch) { sampler().set_epoch(epoch); }
  int64_t base_seed() const { return base_seed_; }

 private:
  std::optional<DatasetRef> dataset_;
  DataLoaderOptions options_;
  std::shared_ptr<Generator> generator_;  // the loader's generator, if any
  BatchSampler batch_sampler_;
  std::shared_ptr<Pass> current_;
  int64_t base_seed_ = 0;
  std::optional<LoaderPosition> resume_;
};

/// One running pass: the batches, who makes them, and (with workers) the prefetcher.
template <typename Batch>
struct PassRun {
  std::shared_ptr<LoaderCore> core;
  std::shared_ptr<Pass> pass;
  std::function<Batch(std::span<const int64_t>)> make_batch;
  std::vector<std::optional<Batch>> slots;  // filled by the workers
  std::optional<Batch> current;
  int64_t index = -1;
  bool done = false;
  std::unique_ptr<Prefetcher> prefetcher;  // declared last: joined before the slots go away

  ~PassRun() { prefetcher.reset(); }

  void start(int workers, int prefetch_factor) {
    const int64_t n = pass->plan.num_batches;
    if (workers > 0 && n > 0) {
      slots.resize(static_cast<size_t>(n));
      prefetcher = std::make_unique<Prefetcher>(n, workers, static_cast<int64_t>(workers) * prefetch_factor,
                                                [this](int64_t k) { slots[k] = make_batch(pass->plan.batch(k)); });
    }
    advance_to(0);
  }

  void advance_to(int64_t k) {
    index = k;
    current.reset();
    core->request(*pass, k);
    if (k >= pass->plan.num_batches) {
      done = true;
      prefetcher.reset();
      return;
    }
    if (prefetcher) {
      prefetcher->wait(k);
      current = std::move(slots[k]);
      slots[k].reset();
    } else {
      current = make_batch(pass->plan.batch(k));
    }
    core->yielded(*pass, k);
  }
};

}  // namespace detail

/// torch.utils.data.DataLoader over a map-style dataset. `Batch` is what one iteration yields:
/// an Example of stacked fields by default (built by the dataset's get_batch), or whatever the
/// collate function returns. The collate function takes one parameter, the list of examples.
///
/// Random numbers (matching PyTorch with num_workers=0, for bit-exact replays): every pass
/// (begin(), Python's iter()) first draws _base_seed as one int64 random_() from the loader's
/// generator, or from the global generator when it has none, even without shuffle. With
/// shuffle and no generator, the RandomSampler then draws an int64 seed from the global
/// generator and permutes with a private generator; with a generator it permutes with that.
/// The pass's order is fixed when begin() runs.
///
/// position() and load_position() checkpoint the loader mid-pass (see LoaderPosition).
/// Iterating the same loader twice at once is allowed; position() follows the newest pass.
template <typename Batch = Example<>>
class DataLoader {
 public:
  using CollateFn = std::function<Batch(std::vector<Example<>>)>;

  /// Default collation (the dataset's get_batch); yields Examples.
  explicit DataLoader(DatasetRef dataset, DataLoaderOptions options = {})
    requires std::same_as<Batch, Example<>>
      : core_(std::make_shared<detail::LoaderCore>(std::move(dataset), std::move(options))) {
    auto ds = core_->dataset().ptr();
    make_batch_ = [ds](std::span<const int64_t> idx) { return ds->get_batch(idx); };
  }

  /// A custom collate_fn: receives the batch's examples, returns the batch.
  DataLoader(DatasetRef dataset, DataLoaderOptions options, CollateFn collate_fn)
      : core_(std::make_shared<detail::LoaderCore>(std::move(dataset), std::move(options))) {
    if (!collate_fn) throw std::invalid_argument("DataLoader: collate_fn is empty");
    auto ds = core_->dataset().ptr();
    make_batch_ = [ds, collate = std::move(collate_fn)](std::span<const int64_t> idx) {
      std::vector<Example<>> examples;
      examples.reserve(idx.size());
      for (int64_t i : idx) examples.push_back(ds->get(i));
      return collate(std::move(examples));
    };
  }

  /// Input iterator over one pass; compare with end() (a sentinel).
  class Iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Batch& operator*() const { return *run_->current; }
    Batch* operator->() const { return &*run_->current; }
    /// Moves to the next batch; rethrows an exception raised while making it (the iterator
    /// then stands on the failed batch, and ++ moves past it).
    Iterator& operator++() {
      run_->advance_to(run_->index + 1);
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const Iterator& it, std::default_sentinel_t) { return !it.run_ || it.run_->done; }

   private:
    friend class DataLoader;
    explicit Iterator(std::shared_ptr<detail::PassRun<Batch>> run) : run_(std::move(run)) {}
    std::shared_ptr<detail::PassRun<Batch>> run_;
  };

  /// Starts a pass (Python's iter(loader)), or continues the pass a loaded position was in.
  Iterator begin() {
    auto run = std::make_shared<detail::PassRun<Batch>>();
    run->core = core_;
    run->make_batch = make_batch_;
    run->pass = core_->begin_pass();
    Iterator it(run);
    run->start(core_->options().num_workers(), core_->options().prefetch_factor());
    return it;
  }
  std::default_sentinel_t end() const { return {}; }

  /// Batches in a full pass (Python's len(loader)): ceil(N / B), or floor with drop_last.
  int64_t size() const { return core_->size(); }
  /// Forwards to the sampler (needed for DistributedSampler, as in PyTorch).
  void set_epoch(int64_t epoch) { core_->set_epoch(epoch); }
  /// Where the loader stands (see LoaderPosition).
  LoaderPosition position() { return core_->position(); }
  /// Makes the next begin() continue from `position` (or start its next pass when the
  /// position is between passes). Restores the loader's generator and the sampler.
  void load_position(const LoaderPosition& position) { core_->load_position(position); }
  /// The current pass's _base_seed (PyTorch seeds worker w with base_seed + w).
  int64_t base_seed() const { return core_->base_seed(); }
  /// The dataset; throws for a loader made by make_data_loader, whose dataset is libtorch-style
  /// (not an ag::data::Dataset).
  const Dataset& dataset() const { return *core_->dataset(); }
  Sampler& sampler() const { return core_->sampler(); }

 protected:
  /// A loader over `dataset_size` samples whose batches `make_batch` assembles from their
  /// indices: how make_data_loader runs libtorch-style datasets on this loader.
  DataLoader(int64_t dataset_size, DataLoaderOptions options, std::function<Batch(std::span<const int64_t>)> make_batch)
      : core_(std::make_shared<detail::LoaderCore>(dataset_size, std::move(options))), make_batch_(std::move(make_batch)) {
    if (!make_batch_) throw std::invalid_argument("DataLoader: make_batch is empty");
  }

 private:
  std::shared_ptr<detail::LoaderCore> core_;
  std::function<Batch(std::span<const int64_t>)> make_batch_;
};

// DataLoader(dataset, options) yields Examples; with a collate_fn, whatever it returns.
DataLoader(DatasetRef)->DataLoader<Example<>>;
DataLoader(DatasetRef, DataLoaderOptions)->DataLoader<Example<>>;
template <typename F>
DataLoader(DatasetRef, DataLoaderOptions, F) -> DataLoader<std::invoke_result_t<F&, std::vector<Example<>>>>;

}  // namespace ag::data
