// Adam step over 1M float32 parameters: memory throughput of the fused update.
// One step reads param, grad, exp_avg, exp_avg_sq and writes param, exp_avg,
// exp_avg_sq: 7 x 4 bytes per parameter, reported as the "bytes" rate counter
// (bytes=123.4G/s is 123.4 GB/s, decimal prefixes).
// Flush-to-zero is ON (ag::set_flush_denormal(true)) for the main benchmark, as a
// training program should set it: Adam's moments decay into subnormal floats, which
// this CPU processes slowly. BM_AdamStepSubnormal measures the difference with
// gradients so small that exp_avg_sq settles in the subnormal range.
// Run: build/bench/adam_bench (medians of 5 repetitions; wall-clock time, threads included).
#include <benchmark/benchmark.h>

#include <string>

#include "ag/ag.h"
#include "ag/optim.h"

namespace {

constexpr int64_t kParams = int64_t{1} << 20;
constexpr double kBytesPerStep = 7.0 * sizeof(float) * kParams;

void run_adam(benchmark::State& state, double grad_scale, bool flush_to_zero) {
  ag::set_flush_denormal(flush_to_zero);
  ag::manual_seed(0);
  ag::Tensor p = ag::randn({kParams}).requires_grad_(true);
  p.mutable_grad() = ag::randn({kParams}) * grad_scale;
  ag::optim::Adam opt({p});
  for (int i = 0; i < 50; ++i) opt.step();  // state allocated and moments settled outside the timing
  for (auto _ : state) {
    opt.step();
    benchmark::ClobberMemory();
  }
  state.counters["bytes"] =
      benchmark::Counter(kBytesPerStep, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  state.SetLabel(std::to_string(ag::get_num_threads()) + " threads, flush-to-zero " + (flush_to_zero ? "on" : "off"));
  ag::set_flush_denormal(false);
}

void BM_AdamStep(benchmark::State& state) { run_adam(state, 1.0, true); }

// Gradients of 1e-20: g*g is about 1e-40, so exp_avg_sq stays subnormal step after step.
void BM_AdamStepSubnormal(benchmark::State& state) { run_adam(state, 1e-20, state.range(0) != 0); }

}  // namespace

BENCHMARK(BM_AdamStep)->Unit(benchmark::kMicrosecond)->UseRealTime()->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_AdamStepSubnormal)
    ->ArgName("flush_to_zero")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);
