// ag::data throughput: reading Fashion-MNIST's training set, and one shuffled loader epoch
// at batch 64 with collation only (no model), which must stay far below a training epoch.
#include <benchmark/benchmark.h>

#include "ag/ag.h"
#include "ag/data.h"

namespace {

void BM_FashionMnistReadTrainingSet(benchmark::State& state) {
  for (auto _ : state) {
    ag::data::FashionMNIST train(ag::data::FashionMNIST::kDefaultRoot, /*train=*/true);
    benchmark::DoNotOptimize(train.pixels());
  }
  state.SetBytesProcessed(state.iterations() * 60000 * 785);
}
BENCHMARK(BM_FashionMnistReadTrainingSet)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_FashionMnistLoaderEpoch(benchmark::State& state) {
  ag::data::FashionMNIST train(ag::data::FashionMNIST::kDefaultRoot, true, ag::data::MnistOptions().flatten(true));
  ag::data::DataLoader loader(train, ag::data::DataLoaderOptions(64).shuffle(true).seed(0).num_workers(static_cast<int>(state.range(0))));
  for (auto _ : state) {
    int64_t samples = 0;
    for (auto& batch : loader) {
      benchmark::DoNotOptimize(batch[0].data_ptr<float>());
      samples += batch[1].size(0);
    }
    if (samples != 60000) state.SkipWithError("an epoch did not see 60000 samples");
  }
  state.SetItemsProcessed(state.iterations() * 60000);
}
BENCHMARK(BM_FashionMnistLoaderEpoch)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
