// Causal self-attention, forward + backward, at two GPT-like shapes: the fused
// scaled_dot_product_attention against the composition it replaces (matmul,
// scale, masked_fill, softmax, matmul). The counter held_bytes is the heap in
// use right after forward minus before it (mallinfo2): the output plus what the
// graph keeps for backward, i.e. the [B, H, T, T] weights for the composition
// and one log-sum-exp per row for the fused op. Run with
// --benchmark_repetitions=5 --benchmark_report_aggregates_only=true for medians.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cmath>
#include <limits>

#include "ag/ag.h"

namespace {

namespace F = ag::nn::functional;

size_t heap_in_use() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

ag::Tensor unfused(const ag::Tensor& q, const ag::Tensor& k, const ag::Tensor& v, const ag::Tensor& future) {
  ag::Tensor s = ag::matmul(q, k.transpose(-2, -1)) * (1 / std::sqrt(static_cast<double>(q.size(-1))));
  return ag::matmul(F::softmax(s.masked_fill(future, -std::numeric_limits<double>::infinity()), -1), v);
}

// Args: B, H, T, E, fused (1) or composition (0).
void BM_CausalAttentionForwardBackward(benchmark::State& state) {
  const int64_t B = state.range(0), H = state.range(1), T = state.range(2), E = state.range(3);
  const bool fused = state.range(4) != 0;
  ag::manual_seed(0);
  auto q = ag::randn({B, H, T, E}).requires_grad_(), k = ag::randn({B, H, T, E}).requires_grad_(),
       v = ag::randn({B, H, T, E}).requires_grad_();
  auto go = ag::randn({B, H, T, E});
  ag::Tensor future = ag::arange(0, T).unsqueeze(1) < ag::arange(0, T).unsqueeze(0);  // j > i
  size_t held = 0;
  for (auto _ : state) {
    size_t before = heap_in_use();
    ag::Tensor out = fused ? F::scaled_dot_product_attention(q, k, v, {}, 0.0, true) : unfused(q, k, v, future);
    held = heap_in_use() - before;
    out.backward(go);
    benchmark::DoNotOptimize(q.grad().data_ptr());
    for (auto* t : {&q, &k, &v}) t->mutable_grad().reset();
  }
  state.counters["held_bytes"] = static_cast<double>(held);
  state.SetLabel(fused ? "fused" : "composition");
}

BENCHMARK(BM_CausalAttentionForwardBackward)
    ->ArgNames({"B", "H", "T", "E", "fused"})
    ->Args({16, 4, 64, 32, 1})
    ->Args({16, 4, 64, 32, 0})
    ->Args({8, 6, 256, 64, 1})
    ->Args({8, 6, 256, 64, 0})
    ->Unit(benchmark::kMillisecond);

}  // namespace
