// The thread that runs every collective (Note [One MPI thread] in
// communicator.h), and the watchdog that guards its blocking collectives when
// MPI provides MPI_THREAD_MULTIPLE.
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
  /// Handed to each task. When `blocking` is true a watchdog thread guards the
  /// collective, so the task may use blocking MPI calls (Open MPI's tuned
  /// algorithms, several times faster than its nonblocking ones for large
  /// buffers); otherwise it must start nonblocking operations and `wait` on them,
  /// which polls and enforces the deadline from this thread.
  struct Waiter {
    bool blocking;
    std::function<void(MPI_Request*, int)> wait;
  };
  using Task = std::function<void(const Waiter&)>;

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
  void watchdog_loop();
  void wait_requests(MPI_Request* reqs, int n, const std::string& what, int64_t seq);
  void answer_health_queries(int64_t seq);
  [[noreturn]] void report_stall(const std::string& what, int64_t seq, double waited_s);
  /// MPI_Abort, with a watcher that ends this node's launcher if the abort stalls
  /// (launcher_watch.h).
  [[noreturn]] void abort_job(int code);

  std::function<std::chrono::milliseconds()> timeout_;
  std::function<int64_t()> step_;
  Setup setup_;
  MPI_Comm world_ = MPI_COMM_NULL;   // collectives
  MPI_Comm health_ = MPI_COMM_NULL;  // stall diagnosis only
  std::thread thread_;
  std::thread watchdog_;
  bool guarded_ = false;  // MPI_THREAD_MULTIPLE and more than one rank: the watchdog thread runs
  std::atomic<int64_t> busy_since_ns_{0};  // steady-clock start of the running collective, 0 when idle
  std::atomic<int64_t> busy_seq_{0};
  std::mutex current_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable watchdog_cv_;  // separate, so a submit never wakes the watchdog instead of the worker
  std::deque<Item> queue_;
  bool stop_ = false;
  int64_t seq_ = 0;  // collectives started on this rank
  std::string current_;  // the collective being waited on, for health replies
  std::exception_ptr init_error_;
  std::vector<std::string> hosts_;  // each rank's MPI_Get_processor_name, for stall reports
  std::vector<std::pair<std::unique_ptr<char[]>, MPI_Request>> replies_;  // health replies in flight

 public:
  MPI_Comm world() const { return world_; }
};

}  // namespace ag::dist::detail
