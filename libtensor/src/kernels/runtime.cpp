// Threads, denormals and OpenBLAS kernel selection: process-wide settings.
#include "ag/runtime.h"
#include "ag/thread_budget.h"

#include <cblas.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kernels/denormal.h"
#include "kernels/gemm_threads.h"
#include "kernels/parallel.h"

namespace ag {

namespace {
std::atomic<int> num_threads{0};
std::atomic<bool> threads_forced{false};
std::once_flag threads_once;

// The cores, or AG_NUM_THREADS (which, like set_num_threads, forces its count on every op).
int default_threads() {
  if (const char* env = std::getenv("AG_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) {
      threads_forced = true;
      return n;
    }
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? static_cast<int>(hc) : 1;
}

void apply_threads(int n) {
  num_threads = n;
  kernels::reset_gemm_threads();
  kernels::set_blas_threads(n);
  kernels::resize_pool(n);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// How wide a core's kernels are: 1 SSE, 2 AVX, 3 AVX2+FMA, 4 AVX-512.
int core_rank(const std::string& core) {
  std::string c = lower(core);
  for (const char* k : {"skylakex", "cooperlake", "sapphirerapids"})
    if (c == k) return 4;
  for (const char* k : {"haswell", "zen", "excavator", "steamroller"})
    if (c == k) return 3;
  for (const char* k : {"sandybridge", "bulldozer", "piledriver"})
    if (c == k) return 2;
  return 1;
}
}  // namespace

void set_num_threads(int n) {
  std::call_once(threads_once, [] {});
  threads_forced = true;
  apply_threads(std::max(1, n));
}

void set_default_num_threads(int n) {
  std::call_once(threads_once, [] {});
  threads_forced = false;
  apply_threads(std::max(1, n));
}

int get_num_threads() {
  std::call_once(threads_once, [] { apply_threads(default_threads()); });
  return num_threads;
}

bool num_threads_forced() {
  get_num_threads();
  return threads_forced;
}

bool set_flush_denormal(bool on) {
  if (!kernels::set_thread_flush_denormal(on)) return false;
  kernels::set_pool_flush_denormal(on);
  return true;
}

std::string preferred_blas_core() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  if (__builtin_cpu_supports("avx")) return "Sandybridge";
#endif
  return "";  // the core names are x86 ones: elsewhere OpenBLAS's own choice stands
}

std::string active_blas_core() {
  const char* c = openblas_get_corename();
  return c ? c : "unknown";
}

bool blas_self_test() {
  // A product whose exact result is known: small integers keep every sum exact in float.
  const int m = 37, n = 29, k = 53;
  std::vector<float> a(m * k), b(k * n), c(m * n, 0.f);
  for (int i = 0; i < m * k; ++i) a[i] = static_cast<float>((i * 7) % 11 - 5);
  for (int i = 0; i < k * n; ++i) b[i] = static_cast<float>((i * 5) % 13 - 6);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.f, a.data(), k, b.data(), n, 0.f, c.data(), n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float s = 0;
      for (int p = 0; p < k; ++p) s += a[i * k + p] * b[p * n + j];
      if (c[i * n + j] != s) return false;
    }
  return true;
}

void ensure_best_blas_kernels(int argc, char** argv) {
  (void)argc;
  if (std::getenv("OPENBLAS_CORETYPE")) {
    if (std::getenv("AG_BLAS_CHOSEN") && !blas_self_test()) {
      std::fprintf(stderr, "allgrad: OpenBLAS core %s failed its self-test; restarting with OpenBLAS's own choice\n",
                   active_blas_core().c_str());
      unsetenv("OPENBLAS_CORETYPE");
      unsetenv("AG_BLAS_CHOSEN");
      setenv("AG_BLAS_REJECTED", "1", 1);
      execv("/proc/self/exe", argv);
    }
    return;
  }
  if (std::getenv("AG_BLAS_REJECTED")) return;
  std::string want = preferred_blas_core();
  if (want.empty() || core_rank(active_blas_core()) >= core_rank(want)) return;
  setenv("OPENBLAS_CORETYPE", want.c_str(), 1);
  setenv("AG_BLAS_CHOSEN", "1", 1);
  execv("/proc/self/exe", argv);
  // exec failed: carry on with the kernels we have.
  unsetenv("OPENBLAS_CORETYPE");
  unsetenv("AG_BLAS_CHOSEN");
}

std::string blas_report() {
  std::string how = std::getenv("AG_BLAS_CHOSEN")      ? "chosen by allgrad"
                    : std::getenv("OPENBLAS_CORETYPE") ? "set by OPENBLAS_CORETYPE"
                                                       : "OpenBLAS's own choice";
  const int n = get_num_threads();
  const bool one_only = kernels::gemm_thread_stats().bits_differ;
  return "OpenBLAS core " + active_blas_core() + " (" + how + "), " + std::to_string(n) + (n == 1 ? " thread" : " threads") +
         (n > 1 && !num_threads_forced()
              ? one_only ? " (products on 1: OpenBLAS's results change with its thread count here; --threads " + std::to_string(n) + " forces " +
                               std::to_string(n) + ")"
                         : " (large products: 1 or " + std::to_string(n) + ", timed on whole steps)"
              : "");
}

}  // namespace ag
