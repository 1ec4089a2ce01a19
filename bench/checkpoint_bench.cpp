// Checkpoint save and load of a ~100 MB model + Adam state (8.5M float32
// parameters and two moment tensors each), in bytes of file per second, against a plain
// write()+fsync and read() of the same number of bytes.
//   AG_BENCH_DIR=/dev/shm build/bench/bench_checkpoint --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// The directory defaults to $TMPDIR or /tmp; /dev/shm (tmpfs) keeps fsync out of the figures.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "checkpoint/crc32c.h"

namespace {

// A scratch directory, removed (with the files) when the program exits.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    const char* d = std::getenv("AG_BENCH_DIR");
    if (!d || !*d) d = std::getenv("TMPDIR");
    path = std::string(d && *d ? d : "/tmp") + "/ag-ckpt-bench-XXXXXX";
    if (!mkdtemp(path.data())) std::abort();
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

const std::string& bench_dir() {
  static const ScratchDir dir;
  return dir.path;
}

// An MLP 1024-4096-1024-128 (8.5M parameters) with Adam's exp_avg and exp_avg_sq.
const ag::Checkpoint& model_and_adam() {
  static const ag::Checkpoint ckpt = [] {
    ag::manual_seed(0);
    ag::Checkpoint c;
    c.meta.model_spec = "mlp:1024,4096,1024,128";
    c.meta.global_step = 1000;
    const std::vector<std::pair<std::string, ag::Dims>> params = {
        {"fc1.weight", {4096, 1024}}, {"fc1.bias", {4096}}, {"fc2.weight", {1024, 4096}},
        {"fc2.bias", {1024}},         {"fc3.weight", {128, 1024}}, {"fc3.bias", {128}}};
    for (const auto& [name, shape] : params) {
      c.sections["model"].set_tensor(name, ag::randn(shape));
      c.sections["optimizer"].set_tensor("state." + name + ".exp_avg", ag::randn(shape) * 1e-3);
      c.sections["optimizer"].set_tensor("state." + name + ".exp_avg_sq", ag::rand(shape) * 1e-6);
      c.sections["optimizer"].set_int("state." + name + ".step", 1000);
    }
    c.sections["optimizer"].set_double("lr", 1e-3);
    return c;
  }();
  return ckpt;
}

uint64_t file_bytes(const std::string& path) { return std::filesystem::file_size(path); }

void report(benchmark::State& st, uint64_t bytes) {
  st.SetBytesProcessed(static_cast<int64_t>(bytes) * st.iterations());
  st.counters["file_MB"] = static_cast<double>(bytes) / 1e6;
}

void BM_CheckpointSave(benchmark::State& st) {
  const ag::Checkpoint& c = model_and_adam();
  std::string path = bench_dir() + "/save.agc";
  for (auto _ : st) ag::save_checkpoint(c, path);
  report(st, file_bytes(path));
}

void BM_CheckpointLoad(benchmark::State& st) {
  std::string path = bench_dir() + "/load.agc";
  ag::save_checkpoint(model_and_adam(), path);
  for (auto _ : st) {
    ag::Checkpoint c = ag::load_checkpoint(path);
    benchmark::DoNotOptimize(c.sections.size());
  }
  report(st, file_bytes(path));
}

// The floor: the same bytes with one write() and an fsync, from memory that is already there.
void BM_PlainWriteFsync(benchmark::State& st) {
  std::string path = bench_dir() + "/plain.bin";
  std::string src = bench_dir() + "/plain-src.agc";
  ag::save_checkpoint(model_and_adam(), src);
  std::vector<char> bytes(file_bytes(src), 1);
  for (auto _ : st) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    size_t done = 0;
    while (done < bytes.size()) done += static_cast<size_t>(::write(fd, bytes.data() + done, bytes.size() - done));
    ::fsync(fd);
    ::close(fd);
  }
  report(st, bytes.size());
}

// The floor for load: one read() of the file into fresh memory.
void BM_PlainRead(benchmark::State& st) {
  std::string path = bench_dir() + "/load.agc";
  ag::save_checkpoint(model_and_adam(), path);
  size_t n = file_bytes(path);
  for (auto _ : st) {
    std::vector<char> buf(n);  // fresh pages, like the tensors of a load
    int fd = ::open(path.c_str(), O_RDONLY);
    size_t done = 0;
    while (done < n) done += static_cast<size_t>(::read(fd, buf.data() + done, n - done));
    ::close(fd);
    benchmark::DoNotOptimize(buf.data());
  }
  report(st, n);
}

// CRC-32C of 64 MiB (past the caches) on the path crc32c() takes, and on the crc32 instruction alone.
void BM_Crc32c(benchmark::State& state) {
  static const std::vector<unsigned char> data(size_t{64} << 20, 0x5A);
  bool folding = state.range(0) != 0;
  for (auto _ : state) {
    uint32_t c = folding ? ag::checkpoint::crc32c(data.data(), data.size()) : ag::checkpoint::crc32c_sse42(data.data(), data.size());
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
  state.SetLabel(folding ? ag::checkpoint::crc32c_path() : "sse4.2 only");
}

BENCHMARK(BM_Crc32c)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CheckpointSave)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_CheckpointLoad)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_PlainWriteFsync)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_PlainRead)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
