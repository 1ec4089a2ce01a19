// libtorch's make_data_loader and StatelessDataLoader, running on ag::data::DataLoader:
//
//   auto dataset = torch::data::datasets::MNIST(root)
//                      .map(torch::data::transforms::Normalize<>(0.1307, 0.3081))
//                      .map(torch::data::transforms::Stack<>());
//   auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
//       std::move(dataset), torch::data::DataLoaderOptions(64).workers(2));
//   for (auto& batch : *loader) { batch.data ...; batch.target ...; }
#pragma once
#include <algorithm>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ag/data/dataloader.h"
#include "ag/data/dataset.h"
#include "ag/data/samplers.h"

namespace ag::data {

namespace detail {

/// A libtorch-style dataset (datasets::BatchDataset and what derives from it, such as a
/// MapDataset): batches on request and an optional size.
template <typename D>
concept BatchDatasetLike = requires(D& d, const D& cd) {
  typename D::BatchType;
  typename D::BatchRequestType;
  { cd.size() } -> std::convertible_to<std::optional<size_t>>;
};

/// The sample count the loader is built over; libtorch's stream datasets (no size) are not supported.
template <typename D>
int64_t known_size(const D& dataset) {
  const std::optional<size_t> n = dataset.size();
  if (!n)
    throw std::invalid_argument("make_data_loader: the dataset's size() is nullopt; allgrad loads map-style datasets of known size");
  return static_cast<int64_t>(*n);
}

/// Copies of a dataset lent to one caller at a time, so a dataset with state behaves as it
/// does under libtorch, whose workers each own a copy: with `copies` copies, that many
/// workers build batches at once; a dataset that cannot be copied is used by one at a time.
template <typename D>
class DatasetCopies {
 public:
  DatasetCopies(D dataset, int copies) : size_(known_size(dataset)) {
    free_.push_back(std::make_unique<D>(std::move(dataset)));
    if constexpr (std::is_copy_constructible_v<D>)
      for (int i = 1; i < copies; ++i) free_.push_back(std::make_unique<D>(*free_.front()));
  }

  /// The dataset's size when it was handed over.
  int64_t size() const { return size_; }

  /// Runs f(dataset) on a copy no other caller is using.
  template <typename F>
  auto with_copy(F&& f) {
    std::unique_ptr<D> mine;
    {
      std::unique_lock lock(mu_);
      returned_.wait(lock, [&] { return !free_.empty(); });
      mine = std::move(free_.back());
      free_.pop_back();
    }
    struct GiveBack {
      DatasetCopies& owner;
      std::unique_ptr<D>& copy;
      ~GiveBack() {
        {
          std::lock_guard lock(owner.mu_);
          owner.free_.push_back(std::move(copy));
        }
        owner.returned_.notify_one();
      }
    } give_back{*this, mine};
    return f(*mine);
  }

 private:
  int64_t size_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<D>> free_;
};

/// Chooses the sampler named by make_data_loader's template argument. RandomSampler and
/// SequentialSampler become the loader's own shuffle / sequential order, so a
/// make_data_loader<RandomSampler> pass draws exactly what DataLoader with shuffle(true) draws
/// (PyTorch's numbers, the loader's generator or seed); any other sampler is built from the size.
template <typename SamplerType>
DataLoaderOptions with_sampler(DataLoaderOptions options, int64_t size) {
  if (options.sampler())
    throw std::invalid_argument("make_data_loader: options.sampler() is set; pass the sampler as make_data_loader(dataset, sampler, options) instead");
  if constexpr (std::is_same_v<SamplerType, RandomSampler>) {
    options.shuffle(true);
  } else if constexpr (std::is_same_v<SamplerType, SequentialSampler>) {
    if (options.shuffle())
      throw std::invalid_argument("make_data_loader<SequentialSampler>: options.shuffle() is true; use RandomSampler to shuffle");
  } else {
    static_assert(std::is_constructible_v<SamplerType, size_t>, "make_data_loader<Sampler>: the sampler must be constructible from the dataset size");
    if (options.shuffle())
      throw std::invalid_argument("make_data_loader: options.shuffle() is mutually exclusive with a sampler");
    options.sampler(std::make_shared<SamplerType>(static_cast<size_t>(size)));
  }
  return options;
}

template <typename SamplerType>
DataLoaderOptions with_sampler_object(DataLoaderOptions options, SamplerType sampler) {
  if (options.sampler()) throw std::invalid_argument("make_data_loader: a sampler is passed and options.sampler() is set too");
  if (options.shuffle()) throw std::invalid_argument("make_data_loader: options.shuffle() is mutually exclusive with a sampler");
  options.sampler(std::make_shared<SamplerType>(std::move(sampler)));
  return options;
}

}  // namespace detail

/// libtorch's StatelessDataLoader<Dataset, Sampler>: a DataLoader (same options, RNG use,
/// workers, position and set_epoch) whose batch is the dataset's BatchType: a
/// std::vector<Example<>> for a plain datasets::Dataset, or what the last mapped transform
/// makes (an Example<> of stacked tensors after Stack<>). With num_workers() = W > 0 the
/// dataset is copied W times and each copy serves one batch at a time.
template <typename DatasetType, typename SamplerType = samplers::RandomSampler>
class StatelessDataLoader : public DataLoader<typename DatasetType::BatchType> {
 public:
  using BatchType = typename DatasetType::BatchType;
  using BatchRequestType = typename DatasetType::BatchRequestType;

  /// `options` must already name the order (see detail::with_sampler); make_data_loader does that.
  StatelessDataLoader(DatasetType dataset, const DataLoaderOptions& options)
      : StatelessDataLoader(std::make_shared<detail::DatasetCopies<DatasetType>>(std::move(dataset), std::max(1, options.num_workers())),
                            options) {}

 private:
  StatelessDataLoader(std::shared_ptr<detail::DatasetCopies<DatasetType>> copies, const DataLoaderOptions& options)
      : DataLoader<BatchType>(copies->size(), options, [copies](std::span<const int64_t> indices) {
          const std::vector<size_t> request(indices.begin(), indices.end());
          return copies->with_copy([&](DatasetType& d) -> BatchType {
            if constexpr (std::is_constructible_v<BatchRequestType, std::span<const size_t>>)
              return d.get_batch(BatchRequestType(std::span<const size_t>(request)));
            else
              return d.get_batch(BatchRequestType(request.begin(), request.end()));
          });
        }) {}
};

/// libtorch's make_data_loader<Sampler>(dataset, options): a loader over a libtorch-style
/// dataset, visiting it in Sampler's order (RandomSampler by default, as in libtorch).
/// `make_data_loader(dataset, 64)` reads 64 as the batch size.
template <typename SamplerType = samplers::RandomSampler, typename DatasetType>
  requires detail::BatchDatasetLike<DatasetType>
std::unique_ptr<StatelessDataLoader<DatasetType, SamplerType>> make_data_loader(DatasetType dataset,
                                                                                DataLoaderOptions options = DataLoaderOptions()) {
  const int64_t n = detail::known_size(dataset);
  return std::make_unique<StatelessDataLoader<DatasetType, SamplerType>>(std::move(dataset),
                                                                         detail::with_sampler<SamplerType>(std::move(options), n));
}

/// make_data_loader(dataset, sampler, options): with a sampler object, e.g. a
/// DistributedRandomSampler(size, num_replicas, rank).
template <typename DatasetType, typename SamplerType>
  requires detail::BatchDatasetLike<DatasetType> && std::derived_from<SamplerType, Sampler>
std::unique_ptr<StatelessDataLoader<DatasetType, SamplerType>> make_data_loader(DatasetType dataset, SamplerType sampler,
                                                                                DataLoaderOptions options = DataLoaderOptions()) {
  return std::make_unique<StatelessDataLoader<DatasetType, SamplerType>>(
      std::move(dataset), detail::with_sampler_object(std::move(options), std::move(sampler)));
}

/// make_data_loader over one of allgrad's own datasets (an ag::data::Dataset such as
/// FashionMNIST or TensorDataset): the plain DataLoader, yielding collated Example<> batches.
template <typename SamplerType = samplers::RandomSampler, typename DatasetType>
  requires std::derived_from<std::remove_cvref_t<DatasetType>, Dataset>
std::unique_ptr<DataLoader<Example<>>> make_data_loader(DatasetType&& dataset, DataLoaderOptions options = DataLoaderOptions()) {
  DatasetRef ref(std::forward<DatasetType>(dataset));
  const int64_t n = ref->size();
  return std::make_unique<DataLoader<Example<>>>(std::move(ref), detail::with_sampler<SamplerType>(std::move(options), n));
}

/// The same with a sampler object.
template <typename DatasetType, typename SamplerType>
  requires std::derived_from<std::remove_cvref_t<DatasetType>, Dataset> && std::derived_from<SamplerType, Sampler>
std::unique_ptr<DataLoader<Example<>>> make_data_loader(DatasetType&& dataset, SamplerType sampler,
                                                        DataLoaderOptions options = DataLoaderOptions()) {
  return std::make_unique<DataLoader<Example<>>>(DatasetRef(std::forward<DatasetType>(dataset)),
                                                 detail::with_sampler_object(std::move(options), std::move(sampler)));
}

}  // namespace ag::data
