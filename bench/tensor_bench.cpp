// ag::matmul against the raw cblas_sgemm call it wraps (forward and the two
// backward products), and the fixed cost of one small op with its autograd node.
//   build/bench/bench_tensor --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <cblas.h>

#include "ag/ag.h"

namespace {

// Shapes: C[m,n] = A[m,k] · B[k,n].
struct Mnk { int64_t m, k, n; };
constexpr Mnk kShapes[] = {{64, 784, 256}, {256, 256, 256}, {1024, 1024, 1024}};

// Which product: forward C = A·B; backward dA = dC·Bᵀ and dB = Aᵀ·dC.
enum Product { kForward = 0, kGradA = 1, kGradB = 2 };

void setup_threads() { ag::set_num_threads(1); }

void BM_AgMatmul(benchmark::State& st) {
  setup_threads();
  Mnk s = kShapes[st.range(0)];
  auto a = ag::randn({s.m, s.k}), b = ag::randn({s.k, s.n}), dc = ag::randn({s.m, s.n});
  for (auto _ : st) {
    ag::Tensor r;
    switch (st.range(1)) {
      case kForward: r = ag::matmul(a, b); break;
      case kGradA: r = ag::matmul(dc, b.t()); break;
      default: r = ag::matmul(a.t(), dc); break;
    }
    benchmark::DoNotOptimize(r.data_ptr());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * s.m * s.n * s.k / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_RawSgemm(benchmark::State& st) {
  setup_threads();
  Mnk s = kShapes[st.range(0)];
  std::vector<float> a(s.m * s.k, 0.5f), b(s.k * s.n, 0.25f), dc(s.m * s.n, 0.125f);
  for (auto _ : st) {
    // Allocate the output each time, as ag::matmul does.
    int64_t rows = st.range(1) == kGradB ? s.k : s.m, cols = st.range(1) == kGradA ? s.k : s.n;
    std::vector<float> c(rows * cols);
    switch (st.range(1)) {
      case kForward:
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.m, s.n, s.k, 1, a.data(), s.k, b.data(), s.n, 0, c.data(), s.n);
        break;
      case kGradA:
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s.m, s.k, s.n, 1, dc.data(), s.n, b.data(), s.n, 0, c.data(), s.k);
        break;
      default:
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, s.k, s.n, s.m, 1, a.data(), s.k, dc.data(), s.n, 0, c.data(), s.n);
        break;
    }
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * s.m * s.n * s.k / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void MatmulArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"shape", "product"});
  for (int shape = 0; shape < 3; ++shape)
    for (int p = 0; p < 3; ++p) b->Args({shape, p});
  b->Unit(benchmark::kMicrosecond);
}

// Ten chained ops on one element, recording the autograd graph: the per-op fixed cost.
void BM_SmallOpChain(benchmark::State& st) {
  setup_threads();
  auto x = ag::tensor({1.5f}, ag::requires_grad());
  for (auto _ : st) {
    ag::Tensor y = x;
    for (int i = 0; i < 5; ++i) y = (y * 1.0001) + 0.5;
    benchmark::DoNotOptimize(y.data_ptr());
  }
  st.counters["per_op"] = benchmark::Counter(10, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_SmallOpChainNoGrad(benchmark::State& st) {
  setup_threads();
  auto x = ag::tensor({1.5f});
  for (auto _ : st) {
    ag::Tensor y = x;
    for (int i = 0; i < 5; ++i) y = (y * 1.0001) + 0.5;
    benchmark::DoNotOptimize(y.data_ptr());
  }
  st.counters["per_op"] = benchmark::Counter(10, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(BM_AgMatmul)->Apply(MatmulArgs);
BENCHMARK(BM_RawSgemm)->Apply(MatmulArgs);
BENCHMARK(BM_SmallOpChain);
BENCHMARK(BM_SmallOpChainNoGrad);
BENCHMARK_MAIN();
