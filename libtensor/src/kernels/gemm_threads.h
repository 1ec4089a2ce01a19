// How many OpenBLAS threads one GEMM gets when the thread count is allgrad's
// default rather than the user's: decided per GEMM shape, from the shape's own
// first calls (see gemm_threads.cpp).
#pragma once
#include <cstdint>

namespace ag::kernels {

/// Products of fewer multiply-adds than this (4.2M) always run on one thread. OpenBLAS
/// itself splits anything above 2^18 (0.26M); on the 2-vCPU virtual machine of the
/// README, 2 threads were slower than one on every product of 1M to 51M multiply-adds
/// while other processes ran, and lost at batch 32 and 64 (MLP) on an idle machine.
inline constexpr int64_t kGemmParallelMinMacs = int64_t{1} << 22;

/// Calls of one shape timed before its choice is made: the first two (one with one
/// thread, one with N) warm up and are not counted, then kGemmTimedPairs pairs alternate.
inline constexpr int kGemmTimedPairs = 3;

/// After its choice, a shape times one more pair (one thread, then N) every this many
/// calls and chooses again from its last kGemmTimeWindow timings of each: the choice
/// follows the machine when other work starts or stops on it, and one unlucky first
/// timing does not decide a whole run.
inline constexpr int kGemmRetimeEvery = 128;
inline constexpr int kGemmTimeWindow = 5;

/// N threads are kept only when their median time is at most this fraction of one
/// thread's: a tie goes to one thread, which leaves the other cores to the rest.
inline constexpr double kGemmParallelWin = 0.9;

/// One GEMM call's thread plan: `threads` to set (0: leave OpenBLAS as it is),
/// `timed` when the call's duration must be reported with gemm_threads_done.
struct GemmThreadPlan {
  int threads = 0;
  bool timed = false;
  int64_t key[5] = {0, 0, 0, 0, 0};
};

/// True on a thread running a parallel_for task (the pool's, or the caller's own
/// chunk): OpenBLAS is kept on one thread there (BlasSingleThreaded). In parallel.cpp.
bool in_parallel_region();

GemmThreadPlan gemm_threads_begin(int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b);
void gemm_threads_done(const GemmThreadPlan& plan, double seconds);

/// Sets OpenBLAS's thread count (skips the call when it already has that count).
void set_blas_threads(int n);

/// The choices made so far, for tests and reports: shapes decided, and of those on N threads.
struct GemmThreadStats {
  int decided = 0;
  int parallel = 0;
};
GemmThreadStats gemm_thread_stats();
/// Forgets every shape's timings and choice (tests; set_num_threads also does it).
void reset_gemm_threads();

}  // namespace ag::kernels
