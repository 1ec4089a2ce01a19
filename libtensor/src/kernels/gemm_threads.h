// How many OpenBLAS threads a GEMM gets when the thread count is allgrad's default
// rather than the user's: one choice for all large products, made from whole
// training steps on the machine the program runs on (see gemm_threads.cpp).
#pragma once
#include <cstdint>

namespace ag::kernels {

/// Products of fewer multiply-adds than this (33.5M) always run on one thread. OpenBLAS
/// itself splits anything above 2^18 (0.26M); on the 2-vCPU virtual machine of the
/// README, 2 threads were slower than one on every product of 1M to 51M multiply-adds
/// while other processes ran, and lost at batch 32 and 64 (MLP: products of 6.4M and
/// 12.8M) on an idle machine; and blocks of such short steps (under 1 ms) were too
/// short to time at load 5-9 (the choice then lost up to 0.75x at batch 32 and 64).
inline constexpr int64_t kGemmParallelMinMacs = int64_t{1} << 25;

/// A block: this many calls of the first large product shape seen (the anchor), i.e.
/// this many training steps when the anchor comes once a step, all on one setting.
inline constexpr int kGemmBlockCalls = 4;
/// Timed pairs of blocks (one thread, then N) before the first choice, after one
/// untimed warm-up block of each.
inline constexpr int kGemmTimedPairs = 3;
/// After the choice, one more timed pair every this many blocks, and the choice made
/// again from the last kGemmTimeWindow blocks of each setting: it follows the machine
/// when other work starts or stops there.
inline constexpr int kGemmRetimeBlocks = 32;
inline constexpr int kGemmTimeWindow = 5;
/// N threads are kept only when their median block takes at most this fraction of one
/// thread's: a tie goes to one thread, which leaves the other cores to the rest.
inline constexpr double kGemmParallelWin = 0.9;

/// True on a thread running a parallel_for task (the pool's, or the caller's own
/// chunk): OpenBLAS is kept on one thread there (BlasSingleThreaded). In parallel.cpp.
bool in_parallel_region();

/// The OpenBLAS threads for one product (0: leave OpenBLAS as it is). `f64`: dgemm, else sgemm.
int gemm_threads_for(int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b, bool f64);

/// Sets OpenBLAS's thread count (skips the call when it already has that count).
void set_blas_threads(int n);

/// The state of the choice, for tests and reports.
struct GemmThreadStats {
  bool decided = false;
  int threads = 1;  // the choice (1 until decided)
  int blocks = 0;   // blocks finished
  /// OpenBLAS gave other bits on N threads than on one for some large product shape
  /// seen (each is probed once): the choice is then off and every product stays on one
  /// thread, since a setting picked by timing would make results depend on the load.
  bool bits_differ = false;
};
GemmThreadStats gemm_thread_stats();
/// Forgets the timings, the probes and the choice (tests; set_num_threads also does it).
void reset_gemm_threads();
/// For tests: the probes' answer, taken from OpenBLAS (Real) or imposed.
enum class GemmProbe { Real, Same, Differ };
void set_gemm_probe(GemmProbe p);

}  // namespace ag::kernels
