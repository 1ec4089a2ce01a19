// A fixed pool of worker threads; the caller runs the first chunk itself.
#include "kernels/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "ag/runtime.h"
#include "kernels/denormal.h"
#include "kernels/gemm_threads.h"

namespace ag::kernels {
namespace {

thread_local bool in_region = false;  // nested parallel_for runs inline instead of deadlocking

class Pool {
 public:
  ~Pool() { resize(0); }

  void resize(int workers) {
    {
      std::unique_lock<std::mutex> lk(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    for (auto& t : threads_) t.join();
    threads_.clear();
    stop_ = false;
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this, i] { loop(i); });
  }

  int workers() const { return static_cast<int>(threads_.size()); }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
    std::lock_guard<std::mutex> serial(run_mu_);  // one parallel region at a time
    int64_t chunks = std::min<int64_t>(workers() + 1, n / grain);
    if (chunks < 2) return f(0, n);
    {
      std::unique_lock<std::mutex> lk(mu_);
      task_ = &f;
      n_ = n;
      chunks_ = chunks;
      pending_ = static_cast<int>(chunks - 1);
      ++generation_;
      cv_.notify_all();
    }
    f(0, n / chunks);
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [&] { return pending_ == 0; });
    task_ = nullptr;
  }

  void set_ftz(bool on) { ftz_ = on; }

 private:
  void loop(int idx) {
    uint64_t seen = 0;
    bool ftz_applied = false;
    for (;;) {
      const std::function<void(int64_t, int64_t)>* task;
      int64_t begin, end;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || (generation_ != seen && task_ && idx + 1 < chunks_); });
        if (stop_) return;
        seen = generation_;
        task = task_;
        begin = n_ * (idx + 1) / chunks_;
        end = n_ * (idx + 2) / chunks_;
      }
      if (ftz_.load() != ftz_applied) {
        ftz_applied = ftz_.load();
        set_thread_flush_denormal(ftz_applied);
      }
      in_region = true;
      (*task)(begin, end);
      in_region = false;
      std::unique_lock<std::mutex> lk(mu_);
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mu_, run_mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int64_t, int64_t)>* task_ = nullptr;
  int64_t n_ = 0, chunks_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::atomic<bool> ftz_{false};
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

void parallel_for_impl(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
  get_num_threads();  // sizes the pool on first use
  Pool& p = pool();
  if (p.workers() == 0 || in_region) return f(0, n);
  in_region = true;
  struct Reset { ~Reset() { in_region = false; } } reset;
  p.run(n, grain, f);
}

bool in_parallel_region() { return in_region; }
void resize_pool(int threads) { pool().resize(std::max(0, threads - 1)); }
void set_pool_flush_denormal(bool on) { pool().set_ftz(on); }

}  // namespace ag::kernels
