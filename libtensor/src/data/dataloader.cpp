// DataLoader's non-template core: choosing the sampler and generator, drawing each pass's
// random numbers as PyTorch does, and the resumable position.
#include "ag/data/dataloader.h"

#include <stdexcept>
#include <string>

namespace ag::data::detail {

namespace {

std::shared_ptr<Generator> loader_generator(const DataLoaderOptions& o) {
  if (o.generator() && o.seed()) throw std::invalid_argument("DataLoader: give either generator or seed, not both");
  if (o.generator()) return o.generator();
  if (o.seed()) return std::make_shared<Generator>(*o.seed());
  return nullptr;
}

std::shared_ptr<Sampler> loader_sampler(int64_t dataset_size, const DataLoaderOptions& o, const std::shared_ptr<Generator>& g) {
  if (o.sampler()) {
    if (o.shuffle()) throw std::invalid_argument("DataLoader: sampler option is mutually exclusive with shuffle");
    return o.sampler();
  }
  if (o.shuffle()) return std::make_shared<RandomSampler>(dataset_size, g);
  return std::make_shared<SequentialSampler>(dataset_size);
}

const DataLoaderOptions& checked(const DataLoaderOptions& o) {
  if (o.num_workers() < 0)
    throw std::invalid_argument("DataLoader: num_workers option should be non-negative; use num_workers=0 to disable background threads");
  if (o.prefetch_factor() < 1)
    throw std::invalid_argument("DataLoader: prefetch_factor should be at least 1, got " + std::to_string(o.prefetch_factor()));
  return o;
}

}  // namespace

LoaderCore::LoaderCore(DatasetRef dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)),
      options_(checked(options)),
      generator_(loader_generator(options_)),
      batch_sampler_(loader_sampler((*dataset_)->size(), options_, generator_), options_.batch_size(), options_.drop_last()) {}

LoaderCore::LoaderCore(int64_t dataset_size, DataLoaderOptions options)
    : options_(checked(options)),
      generator_(loader_generator(options_)),
      batch_sampler_(loader_sampler(dataset_size, options_, generator_), options_.batch_size(), options_.drop_last()) {}

const DatasetRef& LoaderCore::dataset() const {
  if (!dataset_)
    throw std::logic_error("DataLoader::dataset: this loader reads a libtorch-style dataset (make_data_loader), "
                           "which is not an ag::data::Dataset");
  return *dataset_;
}

std::shared_ptr<Pass> LoaderCore::begin_pass() {
  auto pass = std::make_shared<Pass>();
  if (resume_) {
    base_seed_ = resume_->base_seed;
    pass->batch_offset = resume_->batches;
    resume_.reset();
  } else {
    // PyTorch: _base_seed = torch.empty((), dtype=torch.int64).random_(generator=loader.generator).item()
    Generator& g = generator_ ? *generator_ : default_generator();
    base_seed_ = static_cast<int64_t>(g.random64() % (1ULL << 63));
  }
  pass->plan = batch_sampler_.start_pass();
  pass->exhaustion_batch = batch_sampler_.exhaustion_batch(pass->plan);
  current_ = pass;
  return pass;
}

void LoaderCore::request(Pass& pass, int64_t k) {
  if (!pass.exhausted && k >= pass.exhaustion_batch) {
    pass.exhausted = true;
    sampler().end_pass();
  }
}

LoaderPosition LoaderCore::position() {
  if (resume_) return *resume_;
  LoaderPosition p;
  if (current_) {
    // A finished pass whose end-of-pass draw waits for the loop's final ++: draw now, so a
    // checkpoint taken after the last batch holds the generator as the next pass will find it.
    if (current_->yielded >= current_->plan.num_batches) request(*current_, current_->plan.num_batches);
    p.mid_pass = current_->yielded < current_->plan.num_batches;
    p.batches = current_->batch_offset + current_->yielded;
    p.sampler = batch_sampler_.state(current_->plan, current_->yielded);
  } else {
    p.sampler = sampler().state(0);
  }
  p.base_seed = base_seed_;
  if (generator_) p.generator = generator_->get_state();
  return p;
}

void LoaderCore::load_position(const LoaderPosition& p) {
  if (p.generator && !generator_)
    throw std::invalid_argument("DataLoader::load_position: the position holds a loader generator state, but this loader has no generator "
                                "(options.generator or options.seed)");
  if (!p.generator && generator_)
    throw std::invalid_argument("DataLoader::load_position: this loader has a generator but the position holds no state for it "
                                "(it was saved by a loader built without options.generator or options.seed)");
  if (p.mid_pass != p.sampler.mid_pass || p.batches < 0)
    throw std::invalid_argument("DataLoader::load_position: inconsistent position (loader mid_pass=" + std::to_string(p.mid_pass) +
                                ", sampler mid_pass=" + std::to_string(p.sampler.mid_pass) + ", batches=" + std::to_string(p.batches) + ")");
  sampler().load_state(p.sampler);
  if (p.generator) generator_->set_state(*p.generator);
  current_.reset();
  base_seed_ = p.base_seed;
  resume_.reset();
  if (p.mid_pass) resume_ = p;
}

}  // namespace ag::data::detail
