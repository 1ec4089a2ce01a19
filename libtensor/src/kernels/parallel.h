// allgrad's own parallel loops: a small persistent pool sized by
// ag::set_num_threads, shared budget with OpenBLAS (see runtime.cpp).
#pragma once
#include <cstdint>
#include <functional>

namespace ag::kernels {

/// Runs f(begin, end) over [0, n) split into at most get_num_threads() chunks of at least
/// `grain` items; runs inline when n < 2*grain or one thread is configured.
void parallel_for_impl(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f);

template <typename F>
inline void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n < 2 * grain) {
    if (n > 0) f(int64_t{0}, n);
    return;
  }
  parallel_for_impl(n, grain, std::function<void(int64_t, int64_t)>(std::forward<F>(f)));
}

/// Elements below which an elementwise loop stays on the calling thread. Large on
/// purpose: waking the pool costs tens of microseconds under a hypervisor, and its
/// threads then compete with OpenBLAS's, which spin for a while after each gemm.
/// With 2 threads, the MLP at batch 256 went from 279-301k to 316-319k samples/s
/// when this rose from 32768 to 2^20 (its largest elementwise loops, 65k-200k
/// elements, now stay on one thread); the ConvNet was within its noise.
inline constexpr int64_t kParallelGrain = 1 << 20;

void resize_pool(int threads);
void set_pool_flush_denormal(bool on);

}  // namespace ag::kernels
