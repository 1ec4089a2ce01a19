// One thread or N for large matrix products, under the default thread count.
//
// Whether N threads pay depends on the products' sizes, on the machine (how fast its
// cores hand work to each other: under a hypervisor a cache-line round trip between
// vCPUs took 380 ns) and on what else runs there. Timing each product alone is not
// enough: OpenBLAS's worker threads spin for a while after each split product, and on
// a busy machine that takes CPU from the rest of the step. So the choice is timed on
// whole steps: the first large product shape seen (the anchor) marks the steps, and
// blocks of kGemmBlockCalls anchor calls run with every large product on one thread
// or on N, alternating; the faster setting is kept (N only with a clear win) and
// re-timed every kGemmRetimeBlocks blocks. A program that never repeats its anchor
// stays on one thread. ag::set_num_threads (the user's count, --threads, AG_NUM_THREADS)
// turns the choice off: every product then gets the count asked for.
//
// The choice must not change results: a run's bits would then depend on the machine's
// load, and a resumed run (which times afresh) would not continue bitwise. OpenBLAS's
// products usually give the same bits on any thread count, but not always (0.3.21's
// Haswell sgemm on a 2-vCPU AMD EPYC: 512x256 by 256x256 differs between 1 and 2
// threads). So each large product shape is probed once, on random data, on one thread
// and on N; if any differs, every product stays on one thread for the rest of the run.
#include "kernels/gemm_threads.h"

#include <cblas.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <type_traits>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <vector>

#include "ag/runtime.h"
#include "ag/thread_budget.h"

namespace ag::kernels {
namespace {

using Clock = std::chrono::steady_clock;

struct Block {
  bool parallel;
  bool timed;
};

struct Choice {
  bool has_anchor = false;
  std::array<int64_t, 5> anchor{};
  Clock::time_point block_start;
  int calls = 0;             // anchor calls in the current block
  std::deque<Block> plan;    // the current block first
  std::vector<double> one, many;  // the last kGemmTimeWindow timed blocks of each
  bool decided = false;
  bool parallel = false;
  int blocks = 0;

  void start() {
    plan.clear();
    plan.push_back({false, false});
    plan.push_back({true, false});
    for (int i = 0; i < kGemmTimedPairs; ++i) {
      plan.push_back({false, true});
      plan.push_back({true, true});
    }
  }

  void end_block(double seconds) {
    const Block b = plan.front();
    plan.pop_front();
    ++blocks;
    if (b.timed) {
      auto& w = b.parallel ? many : one;
      w.push_back(seconds);
      if (static_cast<int>(w.size()) > kGemmTimeWindow) w.erase(w.begin());
      if (b.parallel && static_cast<int>(one.size()) >= kGemmTimedPairs &&
          static_cast<int>(many.size()) >= kGemmTimedPairs) {
        decided = true;
        parallel = median(many) <= kGemmParallelWin * median(one);
      }
    }
    if (plan.empty()) {
      for (int i = 0; i < kGemmRetimeBlocks; ++i) plan.push_back({parallel, false});
      plan.push_back({false, true});
      plan.push_back({true, true});
    }
  }

  static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
  }
};

std::mutex choice_mu;
Choice choice;
std::atomic<int> blas_threads_now{0};
std::set<std::array<int64_t, 6>> probed;  // under choice_mu
bool bits_differ = false;
GemmProbe probe_mode = GemmProbe::Real;

// Larger probes are not run; the shape then counts as differing (one thread is safe).
constexpr int64_t kMaxProbeElements = int64_t{1} << 26;

template <typename T>
void blas(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, const T* b, T* c) {
  const auto A = ta ? CblasTrans : CblasNoTrans, B = tb ? CblasTrans : CblasNoTrans;
  const int lda = static_cast<int>(ta ? m : k), ldb = static_cast<int>(tb ? k : n), ldc = static_cast<int>(n);
  if constexpr (std::is_same_v<T, float>) cblas_sgemm(CblasRowMajor, A, B, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  else cblas_dgemm(CblasRowMajor, A, B, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
}

// Whether the product of this shape gives the same bits on one thread and on `threads`.
template <typename T>
bool same_bits_on_one_and(int threads, int64_t m, int64_t n, int64_t k, bool ta, bool tb) {
  if (m * k + k * n + 2 * m * n > kMaxProbeElements) return false;
  std::vector<T> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)), one(static_cast<size_t>(m * n)),
      many(static_cast<size_t>(m * n));
  uint64_t s = 0x9e3779b97f4a7c15ull;
  auto next = [&s] {  // uniform in [-1, 1), from a 64-bit LCG's high bits
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<T>(static_cast<double>(s >> 11) * 0x1.0p-52 - 1.0);
  };
  for (T& v : a) v = next();
  for (T& v : b) v = next();
  set_blas_threads(1);
  blas(ta, tb, m, n, k, a.data(), b.data(), one.data());
  set_blas_threads(threads);
  blas(ta, tb, m, n, k, a.data(), b.data(), many.data());
  return std::memcmp(one.data(), many.data(), one.size() * sizeof(T)) == 0;
}

}  // namespace

void set_blas_threads(int n) {
  if (blas_threads_now.exchange(n) != n) openblas_set_num_threads(n);
}

void set_gemm_probe(GemmProbe p) {
  std::lock_guard<std::mutex> lk(choice_mu);
  probe_mode = p;
}

int gemm_threads_for(int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b, bool f64) {
  const int budget = get_num_threads();
  if (budget == 1 || in_parallel_region()) return 0;  // OpenBLAS already on one thread
  if (num_threads_forced()) return budget;
  if (m * n * k < kGemmParallelMinMacs) return 1;
  const std::array<int64_t, 5> key{m, n, k, trans_a, trans_b};
  std::lock_guard<std::mutex> lk(choice_mu);
  if (!bits_differ && probed.insert({m, n, k, trans_a, trans_b, f64}).second)
    bits_differ = probe_mode == GemmProbe::Real ? !(f64 ? same_bits_on_one_and<double>(budget, m, n, k, trans_a, trans_b)
                                                        : same_bits_on_one_and<float>(budget, m, n, k, trans_a, trans_b))
                                                : probe_mode == GemmProbe::Differ;
  if (bits_differ) return 1;
  Choice& c = choice;
  if (!c.has_anchor) {
    c.has_anchor = true;
    c.anchor = key;
    c.start();
    c.block_start = Clock::now();
  } else if (key == c.anchor && ++c.calls == kGemmBlockCalls) {
    const auto now = Clock::now();
    c.end_block(std::chrono::duration<double>(now - c.block_start).count());
    c.block_start = now;
    c.calls = 0;
  }
  return c.plan.front().parallel ? budget : 1;
}

GemmThreadStats gemm_thread_stats() {
  const int budget = get_num_threads();  // first, outside the lock: it may reset the choice
  std::lock_guard<std::mutex> lk(choice_mu);
  GemmThreadStats st;
  st.decided = choice.decided;
  st.threads = choice.decided && choice.parallel ? budget : 1;
  st.blocks = choice.blocks;
  st.bits_differ = bits_differ;
  return st;
}

void reset_gemm_threads() {
  std::lock_guard<std::mutex> lk(choice_mu);
  choice = Choice{};
  probed.clear();
  bits_differ = false;
}

}  // namespace ag::kernels
