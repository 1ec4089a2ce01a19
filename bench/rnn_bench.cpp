// nn::LSTM forward + backward, arguments (steps T, batch B, input, hidden): at
// (100, 32, 64, 128) the fused layer (one node, per-step GEMM over the active rows),
// the step-by-step reference path (AG_RNN_REFERENCE) it is tested against, and a
// packed batch of lengths spread over 1..T; at (100, 64, 256, 256) the fused layer
// alone. scripts/bench/torch_lstm.py times the same shapes in PyTorch
// (scripts/bench/vs-pytorch-lstm.sh runs both).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace {

void run(benchmark::State& state, bool reference, bool packed) {
  const int64_t steps = state.range(0), batch = state.range(1), in = state.range(2), hidden = state.range(3);
  if (reference) setenv("AG_RNN_REFERENCE", "1", 1);
  ag::manual_seed(0);
  ag::nn::LSTM lstm(ag::nn::LSTMOptions(in, hidden));
  ag::Tensor x = ag::randn({steps, batch, in}).requires_grad_();
  std::vector<int64_t> lengths;
  for (int64_t b = 0; b < batch; ++b) lengths.push_back(packed ? 1 + (b * 37) % steps : steps);
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

BENCHMARK(BM_LSTMForwardBackward)->Args({100, 32, 64, 128})->Args({100, 64, 256, 256})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LSTMForwardBackwardReference)->Args({100, 32, 64, 128})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LSTMPackedForwardBackward)->Args({100, 32, 64, 128})->Unit(benchmark::kMillisecond);
