// nn::LSTM forward + backward at batch 32, 100 steps, input 64, hidden 128: the fused
// layer (one node, per-step GEMM over the active rows), the step-by-step reference
// path (AG_RNN_REFERENCE) it is tested against, and a packed batch of lengths spread
// over 1..100. scripts/bench/torch_lstm.py times the same shapes in PyTorch.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace {

constexpr int64_t kBatch = 32, kSteps = 100, kIn = 64, kHidden = 128;

void run(benchmark::State& state, bool reference, bool packed) {
  if (reference) setenv("AG_RNN_REFERENCE", "1", 1);
  ag::manual_seed(0);
  ag::nn::LSTM lstm(ag::nn::LSTMOptions(kIn, kHidden));
  ag::Tensor x = ag::randn({kSteps, kBatch, kIn}).requires_grad_();
  std::vector<int64_t> lengths;
  for (int64_t b = 0; b < kBatch; ++b) lengths.push_back(packed ? 1 + (b * 37) % kSteps : kSteps);
  int64_t tokens = 0;
  for (int64_t l : lengths) tokens += l;
  for (auto _ : state) {
    ag::Tensor out;
    if (packed) {
      auto [p, s] = lstm->forward_with_packed_input(ag::nn::utils::rnn::pack_padded_sequence(x, lengths, false, false));
      out = p.data();
    } else {
      out = std::get<0>(lstm(x));
    }
    out.sum().backward();
    benchmark::DoNotOptimize(x.grad().data_ptr());
    lstm->zero_grad();
    x.mutable_grad().reset();
  }
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsIterationInvariantRate);
  if (reference) unsetenv("AG_RNN_REFERENCE");
}

void BM_LSTMForwardBackward(benchmark::State& state) { run(state, false, false); }
void BM_LSTMForwardBackwardReference(benchmark::State& state) { run(state, true, false); }
void BM_LSTMPackedForwardBackward(benchmark::State& state) { run(state, false, true); }

}  // namespace

BENCHMARK(BM_LSTMForwardBackward)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LSTMForwardBackwardReference)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LSTMPackedForwardBackward)->Unit(benchmark::kMillisecond);
