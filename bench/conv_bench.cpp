// conv2d and pooling at the shapes of the Fashion-MNIST ConvNet (batch 64):
//   conv1 5×5 1→32 pad 2 on 28×28, max-pool 2, conv2 5×5 32→64 pad 2 on 14×14, max-pool 2.
// Forward, forward+backward through autograd, the two threading strategies of
// the kernels (Note [Conv threading]), and a whole training step of the network.
//   build/bench/bench_conv --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "ag/ag.h"
#include "ag/nn/functional.h"
#include "ag/nn/functional_conv.h"
#include "ag/optim/adam.h"
#include "kernels/conv2d.h"

namespace F = ag::nn::functional;

namespace {

constexpr int64_t kBatch = 64;

struct Layer {
  const char* name;
  int64_t in_channels, size, out_channels;  // square images, 5×5 kernel, padding 2
};
constexpr Layer kLayers[] = {{"conv1", 1, 28, 32}, {"conv2", 32, 14, 64}};

// Multiply-adds ×2 of one product (forward, dW or dX) over the batch.
double product_flops(const Layer& l) {
  return 2.0 * kBatch * l.out_channels * l.size * l.size * l.in_channels * 25;
}

ag::kernels::Conv2dGeometry geometry(const Layer& l) {
  return {kBatch, l.in_channels, l.size, l.size, l.out_channels, 5, 5, 1, 1, 2, 2, 1, 1, 1, l.size, l.size};
}

// Time per batch is the Time column (milliseconds, wall clock).
void set_counters(benchmark::State& st, double flops) {
  st.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// ---- through the public op and autograd: what a training step pays
void BM_Conv2dForward(benchmark::State& st) {
  const Layer& l = kLayers[st.range(0)];
  ag::manual_seed(0);
  auto x = ag::randn({kBatch, l.in_channels, l.size, l.size}), w = ag::randn({l.out_channels, l.in_channels, 5, 5});
  auto b = ag::randn({l.out_channels});
  ag::NoGradGuard no_grad;
  for (auto _ : st) benchmark::DoNotOptimize(F::conv2d(x, w, b, 1, 2).data_ptr());
  set_counters(st, product_flops(l));
}

// conv1's input is the image batch (no dx); conv2's input comes from the layer below (dx wanted).
void BM_Conv2dForwardBackward(benchmark::State& st) {
  const Layer& l = kLayers[st.range(0)];
  const bool input_grad = l.in_channels > 1;
  ag::manual_seed(0);
  auto x = ag::randn({kBatch, l.in_channels, l.size, l.size}).requires_grad_(input_grad);
  auto w = ag::randn({l.out_channels, l.in_channels, 5, 5}).requires_grad_();
  auto b = ag::randn({l.out_channels}).requires_grad_();
  auto gy = ag::randn({kBatch, l.out_channels, l.size, l.size});
  for (auto _ : st) {
    auto y = F::conv2d(x, w, b, 1, 2);
    y.backward(gy);
    w.mutable_grad().reset();
    b.mutable_grad().reset();
    if (input_grad) x.mutable_grad().reset();
  }
  set_counters(st, product_flops(l) * (input_grad ? 3 : 2));
}

// ---- the kernels alone, threading strategy as the second argument
void BM_Conv2dKernelForward(benchmark::State& st) {
  const Layer& l = kLayers[st.range(0)];
  auto how = static_cast<ag::kernels::ConvThreading>(st.range(1));
  auto g = geometry(l);
  std::vector<float> x(g.batch * g.in_image(), 0.5f), w(g.out_channels * g.col_rows(), 0.25f), y(g.batch * g.out_image());
  std::vector<float> b(g.out_channels, 0.1f);
  for (auto _ : st) {
    ag::kernels::conv2d_forward<float>(g, x.data(), w.data(), b.data(), y.data(), how);
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(st, product_flops(l));
}

void BM_Conv2dKernelBackward(benchmark::State& st) {
  const Layer& l = kLayers[st.range(0)];
  auto how = static_cast<ag::kernels::ConvThreading>(st.range(1));
  const bool input_grad = l.in_channels > 1;
  auto g = geometry(l);
  std::vector<float> x(g.batch * g.in_image(), 0.5f), w(g.out_channels * g.col_rows(), 0.25f);
  std::vector<float> gy(g.batch * g.out_image(), 0.125f), gx(x.size()), gw(w.size()), gb(g.out_channels);
  for (auto _ : st) {
    ag::kernels::conv2d_backward<float>(g, x.data(), w.data(), gy.data(), input_grad ? gx.data() : nullptr, gw.data(),
                                        gb.data(), how);
    benchmark::DoNotOptimize(gw.data());
  }
  set_counters(st, product_flops(l) * (input_grad ? 2 : 1));
}

// ---- pooling 2×2 of each conv layer's output: forward, and forward + backward
void BM_Pool2d(benchmark::State& st) {
  const Layer& l = kLayers[st.range(0)];
  const bool max = st.range(1) == 0, backward = st.range(2) == 1;
  ag::manual_seed(0);
  auto x = ag::randn({kBatch, l.out_channels, l.size, l.size}).requires_grad_(backward);
  auto gy = ag::randn({kBatch, l.out_channels, l.size / 2, l.size / 2});
  for (auto _ : st) {
    auto y = max ? F::max_pool2d(x, 2) : F::avg_pool2d(x, 2);
    if (backward) {
      y.backward(gy);
      x.mutable_grad().reset();
    }
    benchmark::DoNotOptimize(y.data_ptr());
  }
  // Each input element is read once forward and written once backward.
  st.counters["Gelem/s"] = benchmark::Counter(static_cast<double>(x.numel()) * (backward ? 2 : 1) / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

// ---- one training step of the Fashion-MNIST ConvNet at batch 64, the workload PyTorch runs at
// 750–800 samples/s on this machine: conv-relu-pool twice, Linear(3136, 10), cross-entropy,
// backward, Adam. The Linear, loss and optimizer are ag::nn / ag::optim's.
void BM_ConvNetTrainStep(benchmark::State& st) {
  ag::set_flush_denormal(true);
  ag::manual_seed(0);
  auto images = ag::randn({kBatch, 1, 28, 28});
  auto labels = ag::randint(0, 10, {kBatch});
  auto w1 = (ag::randn({32, 1, 5, 5}) * 0.2).requires_grad_(), b1 = ag::zeros({32}).requires_grad_();
  auto w2 = (ag::randn({64, 32, 5, 5}) * 0.035).requires_grad_(), b2 = ag::zeros({64}).requires_grad_();
  auto w3 = (ag::randn({10, 64 * 7 * 7}) * 0.018).requires_grad_(), b3 = ag::zeros({10}).requires_grad_();
  ag::optim::Adam adam(ag::TensorList{w1, b1, w2, b2, w3, b3});
  for (auto _ : st) {
    auto h = F::max_pool2d(F::conv2d(images, w1, b1, 1, 2).relu(), 2);
    h = F::max_pool2d(F::conv2d(h, w2, b2, 1, 2).relu(), 2);
    auto loss = F::cross_entropy(F::linear(h.flatten(1), w3, b3), labels);
    adam.zero_grad();
    loss.backward();
    adam.step();
  }
  st.counters["samples/s"] = benchmark::Counter(kBatch, benchmark::Counter::kIsIterationInvariantRate);
  set_counters(st, 2 * product_flops(kLayers[0]) + 3 * product_flops(kLayers[1]));
}

void PoolArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer", "avg", "backward"});
  for (int layer = 0; layer < 2; ++layer)
    for (int kind = 0; kind < 2; ++kind)
      for (int backward = 0; backward < 2; ++backward) b->Args({layer, kind, backward});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

void LayerArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer"})->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
}

void LayerThreadingArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer", "threading"});
  for (int layer = 0; layer < 2; ++layer)
    for (auto how : {ag::kernels::ConvThreading::kOverBatch, ag::kernels::ConvThreading::kInsideBlas})
      b->Args({layer, static_cast<int64_t>(how)});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(BM_Conv2dForward)->Apply(LayerArgs);
BENCHMARK(BM_Conv2dForwardBackward)->Apply(LayerArgs);
BENCHMARK(BM_Conv2dKernelForward)->Apply(LayerThreadingArgs);
BENCHMARK(BM_Conv2dKernelBackward)->Apply(LayerThreadingArgs);
BENCHMARK(BM_Pool2d)->Apply(PoolArgs);
BENCHMARK(BM_ConvNetTrainStep)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  ag::ensure_best_blas_kernels(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::fprintf(stderr, "%s\n", ag::blas_report().c_str());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
