// Per-shape thread choice for GEMMs under the default thread count.
//
// Whether N threads beat one on a product depends on its size, on the machine (how
// fast its cores hand work to each other: under a hypervisor a cache-line round
// trip between vCPUs took 380 ns) and on what else runs there. So nothing is
// assumed: each shape of at least kGemmParallelMinMacs multiply-adds is timed on
// its own first calls, one thread and N alternating, and keeps the faster (N only
// with a clear win); then one more pair every kGemmRetimeEvery calls keeps the
// choice current. A training step repeats the same few shapes, so the choice is
// made within its first steps and costs a handful of calls on the slower side.
// ag::set_num_threads (the user's count, --threads, AG_NUM_THREADS) turns the
// choice off: every product then gets the count asked for.
#include "kernels/gemm_threads.h"

#include <cblas.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <vector>

#include "ag/runtime.h"
#include "ag/thread_budget.h"
#include "kernels/parallel.h"

namespace ag::kernels {
namespace {

// Shapes remembered at most; further shapes run on one thread (a program with this
// many distinct large products is not the repetitive loop the choice is made for).
constexpr size_t kMaxShapes = 256;

struct ShapeTimes {
  int calls = 0;
  std::vector<double> one, many;  // the last kGemmTimeWindow timings of each
  int choice = 0;                 // 0: not decided yet
  int since = 0;                  // calls since the last timed pair, once decided
};

std::mutex shapes_mu;
std::map<std::array<int64_t, 5>, ShapeTimes> shapes;
std::atomic<int> blas_threads_now{0};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

}  // namespace

void set_blas_threads(int n) {
  if (blas_threads_now.exchange(n) != n) openblas_set_num_threads(n);
}

GemmThreadPlan gemm_threads_begin(int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b) {
  GemmThreadPlan plan;
  const int budget = get_num_threads();
  if (budget == 1 || in_parallel_region()) return plan;  // OpenBLAS already on one thread
  if (num_threads_forced()) {
    plan.threads = budget;
    return plan;
  }
  plan.threads = 1;
  if (m * n * k < kGemmParallelMinMacs) return plan;
  plan.key[0] = m, plan.key[1] = n, plan.key[2] = k, plan.key[3] = trans_a, plan.key[4] = trans_b;
  std::lock_guard<std::mutex> lk(shapes_mu);
  auto it = shapes.find({plan.key[0], plan.key[1], plan.key[2], plan.key[3], plan.key[4]});
  if (it == shapes.end()) {
    if (shapes.size() >= kMaxShapes) return plan;
    it = shapes.emplace(std::array<int64_t, 5>{plan.key[0], plan.key[1], plan.key[2], plan.key[3], plan.key[4]},
                        ShapeTimes{})
             .first;
  }
  ShapeTimes& s = it->second;
  if (s.choice) {
    ++s.since;
    if (s.since < kGemmRetimeEvery) {
      plan.threads = s.choice;
      return plan;
    }
    // a timed pair: one thread, then N
    plan.threads = s.since == kGemmRetimeEvery ? 1 : budget;
    plan.timed = true;
    if (s.since > kGemmRetimeEvery) s.since = 0;
    return plan;
  }
  // Calls 0 and 1 warm up (one thread, then N: the N-thread pool may be cold), then
  // one thread on even calls and N on odd ones.
  plan.threads = s.calls % 2 ? budget : 1;
  plan.timed = s.calls >= 2;
  ++s.calls;
  return plan;
}

void gemm_threads_done(const GemmThreadPlan& plan, double seconds) {
  if (!plan.timed) return;
  std::lock_guard<std::mutex> lk(shapes_mu);
  auto it = shapes.find({plan.key[0], plan.key[1], plan.key[2], plan.key[3], plan.key[4]});
  if (it == shapes.end()) return;
  ShapeTimes& s = it->second;
  auto& window = plan.threads == 1 ? s.one : s.many;
  window.push_back(seconds);
  if (static_cast<int>(window.size()) > kGemmTimeWindow) window.erase(window.begin());
  const bool pair_done = s.choice ? plan.threads != 1 : static_cast<int>(s.one.size()) >= kGemmTimedPairs &&
                                                            static_cast<int>(s.many.size()) >= kGemmTimedPairs;
  if (pair_done)
    s.choice = median(s.many) <= kGemmParallelWin * median(s.one) ? std::max(1, get_num_threads()) : 1;
}

GemmThreadStats gemm_thread_stats() {
  std::lock_guard<std::mutex> lk(shapes_mu);
  GemmThreadStats st;
  for (const auto& [key, s] : shapes)
    if (s.choice) {
      ++st.decided;
      st.parallel += s.choice > 1;
    }
  return st;
}

void reset_gemm_threads() {
  std::lock_guard<std::mutex> lk(shapes_mu);
  shapes.clear();
}

}  // namespace ag::kernels
