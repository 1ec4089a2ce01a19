// Background threads that produce a fixed sequence of items ahead of one consumer, which
// receives them strictly in order. The non-template engine behind DataLoader's num_workers.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ag::data::detail {

/// Runs produce(k) for k = 0 .. count-1 on `threads` threads, never more than `window` items
/// ahead of the item the consumer last received, and lets the consumer wait for item k in
/// order. produce(k) must store its result where the consumer can find it; wait(k) returning
/// makes that store visible. An exception thrown by produce(k) is rethrown by wait(k).
/// The destructor stops the threads after their current item and joins them, so dropping a
/// prefetcher mid-sequence neither hangs nor leaks.
class Prefetcher {
 public:
  Prefetcher(int64_t count, int threads, int64_t window, std::function<void(int64_t)> produce);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  /// Blocks until item k is produced; k must increase by one from call to call.
  void wait(int64_t k);

 private:
  void work();
  void shutdown();

  std::function<void(int64_t)> produce_;
  int64_t count_, window_;
  std::mutex mu_;
  std::condition_variable work_cv_, ready_cv_;
  int64_t next_claim_ = 0;     // next item a thread will take
  int64_t consumer_next_ = 0;  // items below this are handed to the consumer
  std::vector<char> done_;
  std::vector<std::exception_ptr> errors_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ag::data::detail
