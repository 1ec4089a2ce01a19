// Prefetcher: ordered production of a fixed sequence on background threads.
#include "ag/data/prefetcher.h"

#include <stdexcept>
#include <string>

namespace ag::data::detail {

Prefetcher::Prefetcher(int64_t count, int threads, int64_t window, std::function<void(int64_t)> produce)
    : produce_(std::move(produce)), count_(count), window_(window), done_(static_cast<size_t>(count), 0),
      errors_(static_cast<size_t>(count)) {
  if (threads < 1) throw std::invalid_argument("Prefetcher: needs at least one thread, got " + std::to_string(threads));
  if (window < 1) throw std::invalid_argument("Prefetcher: window must be at least 1, got " + std::to_string(window));
  threads_.reserve(static_cast<size_t>(threads));
  try {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
  } catch (...) {
    shutdown();  // join what started, then report
    throw;
  }
}

Prefetcher::~Prefetcher() { shutdown(); }

void Prefetcher::shutdown() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void Prefetcher::work() {
  for (;;) {
    int64_t k;
    {
      std::unique_lock<std::mutex> lk(mu_);
      work_cv_.wait(lk, [&] { return stop_ || next_claim_ >= count_ || next_claim_ < consumer_next_ + window_; });
      if (stop_ || next_claim_ >= count_) return;
      k = next_claim_++;
    }
    std::exception_ptr error;
    try {
      produce_(k);
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      done_[static_cast<size_t>(k)] = 1;
      errors_[static_cast<size_t>(k)] = error;
    }
    ready_cv_.notify_all();
  }
}

void Prefetcher::wait(int64_t k) {
  if (k < 0 || k >= count_) throw std::out_of_range("Prefetcher::wait: item " + std::to_string(k) + " of " + std::to_string(count_));
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lk(mu_);
    ready_cv_.wait(lk, [&] { return done_[static_cast<size_t>(k)] != 0; });
    consumer_next_ = k + 1;
    error = std::move(errors_[static_cast<size_t>(k)]);
  }
  work_cv_.notify_all();
  if (error) std::rethrow_exception(error);
}

}  // namespace ag::data::detail
