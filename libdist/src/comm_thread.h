// The single thread that makes every MPI call (Note [One MPI thread] in
// communicator.h), and the watchdog that runs inside its wait loop.
#pragma once
#include <mpi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

namespace ag::dist::detail {

class CommThread {
 public:
  /// A task starts nonblocking MPI operations and calls `wait` on their requests.
  using WaitFn = std::function<void(MPI_Request*, int)>;
  using Task = std::function<void(const WaitFn&)>;

  struct Setup {
    int rank = 0, world = 1, local_rank = 0, local_size = 1;
    std::string thread_level;
  };

  /// Starts the thread, which runs MPI_Init_thread; returns once it has.
  CommThread(std::function<std::chrono::milliseconds()> timeout, std::function<int64_t()> step);
  ~CommThread();

  const Setup& setup() const { return setup_; }
  /// Queues a collective named `what`; runs in submission order.
  std::shared_future<void> submit(std::string what, Task task);
  /// Stops after the queued work and calls MPI_Finalize.
  void shutdown();
  /// MPI_Abort from whichever thread: the job ends.
  [[noreturn]] void abort(const std::string& reason, int code);

 private:
  struct Item {
    std::string what;
    Task task;
    std::promise<void> done;
  };
  void run(std::promise<void>& ready);
  void wait_requests(MPI_Request* reqs, int n, const std::string& what, int64_t seq);
  void answer_health_queries(int64_t seq);
  [[noreturn]] void report_stall(const std::string& what, int64_t seq, double waited_s);

  std::function<std::chrono::milliseconds()> timeout_;
  std::function<int64_t()> step_;
  Setup setup_;
  MPI_Comm world_ = MPI_COMM_NULL;   // collectives
  MPI_Comm health_ = MPI_COMM_NULL;  // stall diagnosis only
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stop_ = false;
  int64_t seq_ = 0;  // collectives started on this rank
  std::string current_;  // the collective being waited on, for health replies
  std::exception_ptr init_error_;
  std::vector<std::pair<std::unique_ptr<char[]>, MPI_Request>> replies_;  // health replies in flight

 public:
  MPI_Comm world() const { return world_; }
};

}  // namespace ag::dist::detail
