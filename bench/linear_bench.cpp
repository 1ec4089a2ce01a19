// Linear(784→256) at batch 64, forward + backward, against the raw cblas_sgemm
// calls the fused op is made of (same buffers reused, no autograd), to measure
// what allgrad's Linear costs on top of BLAS. Run with
// --benchmark_repetitions=10 --benchmark_report_aggregates_only=true for medians.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <vector>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace {

constexpr int kBatch = 64, kIn = 784, kOut = 256;

// Forward and backward through ag::nn::Linear. Arg 1: the input requires grad,
// so backward also computes dx (the third gemm); arg 0: a first layer, no dx.
void BM_LinearForwardBackward(benchmark::State& state) {
  const bool input_grad = state.range(0) != 0;
  ag::manual_seed(0);
  ag::nn::Linear lin(kIn, kOut);
  auto x = ag::randn({kBatch, kIn});
  if (input_grad) x.requires_grad_();
  auto gy = ag::randn({kBatch, kOut});
  for (auto _ : state) {
    auto y = lin->forward(x);
    y.backward(gy);
    benchmark::DoNotOptimize(lin->weight.grad().data_ptr());
    lin->zero_grad();
    if (input_grad) x.mutable_grad().reset();
  }
}

// The same work as raw BLAS on preallocated buffers: bias rows, then
// y = x·Wᵀ + b (beta = 1), dW = gᵀ·x, db = Σ rows of g, and dx = g·W when asked.
void BM_RawSgemmForwardBackward(benchmark::State& state) {
  const bool input_grad = state.range(0) != 0;
  ag::manual_seed(0);
  auto w = ag::randn({kOut, kIn}), b = ag::randn({kOut}), x = ag::randn({kBatch, kIn}), g = ag::randn({kBatch, kOut});
  const float *pw = w.data_ptr<float>(), *pb = b.data_ptr<float>(), *px = x.data_ptr<float>(), *pg = g.data_ptr<float>();
  std::vector<float> y(kBatch * kOut), dw(kOut * kIn), db(kOut), dx(kBatch * kIn);
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i)
      for (int j = 0; j < kOut; ++j) y[i * kOut + j] = pb[j];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, kBatch, kOut, kIn, 1.f, px, kIn, pw, kIn, 1.f, y.data(), kOut);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kOut, kIn, kBatch, 1.f, pg, kOut, px, kIn, 0.f, dw.data(), kIn);
    for (int j = 0; j < kOut; ++j) db[j] = 0;
    for (int i = 0; i < kBatch; ++i)
      for (int j = 0; j < kOut; ++j) db[j] += pg[i * kOut + j];
    if (input_grad)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, kBatch, kIn, kOut, 1.f, pg, kOut, pw, kIn, 0.f, dx.data(), kIn);
    benchmark::DoNotOptimize(y.data());
    benchmark::DoNotOptimize(dw.data());
    benchmark::DoNotOptimize(dx.data());
    benchmark::ClobberMemory();
  }
}

// Forward only (inference under NoGradGuard) against bias rows + one sgemm.
void BM_LinearForward(benchmark::State& state) {
  ag::manual_seed(0);
  ag::nn::Linear lin(kIn, kOut);
  auto x = ag::randn({kBatch, kIn});
  ag::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(lin->forward(x).data_ptr());
}

void BM_RawSgemmForward(benchmark::State& state) {
  ag::manual_seed(0);
  auto w = ag::randn({kOut, kIn}), b = ag::randn({kOut}), x = ag::randn({kBatch, kIn});
  const float *pw = w.data_ptr<float>(), *pb = b.data_ptr<float>(), *px = x.data_ptr<float>();
  std::vector<float> y(kBatch * kOut);
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i)
      for (int j = 0; j < kOut; ++j) y[i * kOut + j] = pb[j];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, kBatch, kOut, kIn, 1.f, px, kIn, pw, kIn, 1.f, y.data(), kOut);
    benchmark::DoNotOptimize(y.data());
  }
}

BENCHMARK(BM_LinearForwardBackward)->ArgName("input_grad")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RawSgemmForwardBackward)->ArgName("input_grad")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LinearForward)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RawSgemmForward)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  // OpenBLAS must run the kernels for this CPU (see ag/runtime.h), and both sides share its thread count.
  ag::ensure_best_blas_kernels(argc, argv);
  ag::get_num_threads();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("blas", ag::blas_report());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
