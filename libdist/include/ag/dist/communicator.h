// ag::dist::Communicator: the process group. Under mpirun it wraps Open MPI;
// launched any other way it is a local group of one, with no MPI runtime.
// Note [One MPI thread]: every collective, MPI_Init_thread and MPI_Finalize
// included, runs on one communication thread owned by the Communicator; other
// threads hand it work and wait on futures, which keeps collective order
// identical on every rank (the order in which they were submitted). The
// communication thread asks for MPI_THREAD_MULTIPLE: with it (and more than one
// rank) a watchdog thread calls MPI too, answering other ranks' health queries
// and aborting a stalled job while the communication thread sits in a blocking
// collective (Open MPI's fastest algorithms). With less, there is no watchdog:
// collectives are nonblocking and the communication thread polls them and
// enforces the timeout itself, which needs MPI_THREAD_FUNNELED; an MPI library
// that offers only MPI_THREAD_SINGLE is refused with an error naming the level.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <cstdint>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ag/tensor.h"

namespace ag::dist {

enum class ReduceOp { Sum, Avg };

struct CommunicatorOptions {
  /// A collective that makes no progress for this long aborts the whole job
  /// with a message naming the collective, the step and the ranks that did not arrive.
  std::chrono::milliseconds collective_timeout = std::chrono::minutes(10);
  /// Set the thread count to (cores on this node / ranks on this node) when
  /// distributed, unless AG_NUM_THREADS is set.
  bool set_threads_per_rank = true;
  /// Under mpirun, set OMPI_MCA_btl_vader_single_copy_mechanism=none in this process's
  /// environment before MPI starts, unless it is set already: Open MPI's shared-memory
  /// transport then passes large messages through its queues instead of one
  /// process_vm_readv per message, faster on small virtual machines (a 1 MB allreduce
  /// between 2 ranks: ≈ 60 µs instead of ≈ 95 µs). Off by default, because it changes
  /// the environment the host program and its children see; the allgrad CLI turns it on.
  bool tune_open_mpi = false;
};

/// What Communicator::abort throws in a local group of one, where there is no job to end.
struct JobAborted : std::runtime_error {
  JobAborted(const std::string& reason, int code) : std::runtime_error(reason), code(code) {}
  int code;  ///< the exit code the job would have ended with
};

class Communicator {
 public:
  /// Joins the job: MPI when launched by mpirun (OMPI_COMM_WORLD_SIZE / PMIX_RANK
  /// in the environment), a local group of one otherwise.
  static std::shared_ptr<Communicator> create(CommunicatorOptions opts = {});
  /// A local group of one without looking at the environment.
  static std::shared_ptr<Communicator> local();
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_; }
  /// Rank among the processes on this node, and how many there are.
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  bool is_distributed() const { return world_ > 1 || mpi_; }
  /// "MPI_THREAD_MULTIPLE" etc., or "local".
  std::string thread_level() const { return thread_level_; }

  /// In place on a contiguous float32/float64 tensor (int64 allowed for Sum).
  void allreduce(Tensor& t, ReduceOp op = ReduceOp::Sum);
  /// Starts an in-place allreduce of raw memory and returns at once; the future
  /// completes when it has finished (or throws the collective's error).
  std::shared_future<void> allreduce_async(void* data, int64_t count, ScalarType dtype, ReduceOp op,
                                           std::string what);
  /// Copies rank `root`'s tensor into every rank's (same shape and dtype everywhere).
  void broadcast(Tensor& t, int root = 0);
  /// One part of broadcast_async: `bytes` at `data`, sent by rank `root` to the others.
  struct BroadcastPart {
    void* data;
    int64_t bytes;
    int root;
  };
  /// Starts every broadcast of `parts` at once (in this order, which must be the same on
  /// every rank) and returns; the future completes when all have arrived. The memory
  /// must stay alive and untouched until then.
  std::shared_future<void> broadcast_async(std::vector<BroadcastPart> parts, std::string what);
  /// Every rank's tensor (same shape everywhere), in rank order.
  std::vector<Tensor> allgather(const Tensor& t);
  /// Every rank's string on rank `root`, in rank order (lengths may differ); the other
  /// ranks get an empty list. Only the root holds them all at once.
  std::vector<std::string> gather_string(const std::string& s, int root = 0);
  /// Every rank's string, in rank order (lengths may differ).
  std::vector<std::string> allgather_string(const std::string& s);
  void barrier();

  /// The training step, named in timeout and error messages.
  void set_step(int64_t step) { step_ = step; }
  int64_t step() const { return step_; }
  std::chrono::milliseconds collective_timeout() const { return opts_.collective_timeout; }
  void set_collective_timeout(std::chrono::milliseconds t) { opts_.collective_timeout = t; }

  /// The largest count handed to one MPI call (MPI counts are int): larger buffers
  /// are reduced, broadcast and gathered in pieces of at most this many elements
  /// (bytes for broadcast and allgather). Lowering it makes small buffers take the
  /// piecewise path, which is what tests do; it must be the same on every rank.
  void set_max_piece(int64_t count);
  int64_t max_piece() const { return max_piece_; }

  /// Under MPI, ends every process of the job with `reason` (MPI_Abort, the only way
  /// to free ranks blocked in a collective); the destructor does the same when it runs
  /// while an exception is in flight, so that the other ranks do not wait forever.
  /// In a local group of one there is no job to end: it throws JobAborted, and the
  /// program decides whether to exit (the library never calls exit).
  [[noreturn]] void abort(const std::string& reason, int code = 1);

  struct Impl;

 private:
  Communicator() = default;
  CommunicatorOptions opts_;
  int rank_ = 0, world_ = 1, local_rank_ = 0, local_size_ = 1;
  bool mpi_ = false;
  std::string thread_level_ = "local";
  std::atomic<int64_t> step_{0};
  int64_t max_piece_ = int64_t{1} << 30;
  std::unique_ptr<Impl> impl_;
};

/// True when this process was started by mpirun/mpiexec.
bool launched_by_mpi();

/// An error every rank raises alike, having agreed on it through a collective (ranks
/// started with different settings, say): no rank is left waiting, so it needs no abort.
class AgreedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Runs `body` and turns an escaping exception into a job-wide abort naming the rank,
/// so one failing rank never leaves the others waiting. An AgreedError is printed once,
/// by rank 0, and ends every rank with exit code 1 without an abort. Returns body's exit code.
int run_or_abort(Communicator& comm, const std::function<int()>& body);

}  // namespace ag::dist
