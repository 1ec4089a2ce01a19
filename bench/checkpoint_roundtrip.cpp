// Checkpoint save and load of a ~100 MB model with its Adam state the way a training
// program does it (the module's state_dict + optimizer state into a Checkpoint, save_checkpoint;
// load_checkpoint, Module::load_state_dict, Optimizer::load_state_dict), timed end to end
// with a warm page cache, then the restored parameters and moments checked
// byte for byte against the originals. scripts/bench/torch_checkpoint.py does the same
// with torch.save/torch.load; scripts/bench/vs-pytorch.sh runs both.
//   build/bench/checkpoint_roundtrip [--dir DIR] [--reps N]
// Prints one JSON line: file_MB, save_MBps, load_MBps (medians), verified.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "ag/checkpoint.h"
#include "ag/nn/nn.h"
#include "ag/training_state.h"

namespace {

using Clock = std::chrono::steady_clock;

// An MLP 1024-4096-1024-128: 8.5M parameters, 102 MB with Adam's two moments.
ag::nn::Sequential big_mlp() {
  return ag::nn::Sequential{ag::nn::Linear(1024, 4096), ag::nn::ReLU(),
                                                                 ag::nn::Linear(4096, 1024), ag::nn::ReLU(),
                                                                 ag::nn::Linear(1024, 128)};
}

// FNV-1a over the bytes of every parameter and every Adam moment, in parameter order.
uint64_t checksum(const ag::nn::Module& model, const ag::optim::Optimizer& opt) {
  uint64_t h = 1469598103934665603ull;
  auto add = [&](const ag::Tensor& t) {
    ag::Tensor c = t.contiguous();
    const auto* p = static_cast<const unsigned char*>(c.data_ptr());
    for (size_t i = 0, n = static_cast<size_t>(c.numel()) * sizeof(float); i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  size_t i = 0;
  for (const auto& [name, p] : model.named_parameters()) {
    add(p);
    for (const ag::Tensor& b : opt.state(0, i++).buffers)
      if (b.defined()) add(b);
  }
  return h;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "checkpoint_roundtrip: unknown argument %s (--dir DIR, --reps N)\n", a.c_str());
      return 2;
    }
  }
  if (dir.empty()) {
    const char* t = std::getenv("TMPDIR");
    dir = t && *t ? t : "/tmp";
  }
  std::string scratch = dir + "/ag-ckpt-roundtrip-XXXXXX";
  if (!mkdtemp(scratch.data())) {
    std::fprintf(stderr, "checkpoint_roundtrip: cannot create a directory in %s\n", dir.c_str());
    return 1;
  }
  const std::string path = scratch + "/model.agc";

  // The state to save: one Adam step, so both moments are filled.
  ag::manual_seed(0);
  auto model = big_mlp();
  ag::optim::Adam opt(model->named_parameters());
  ag::Tensor loss = model(ag::randn({32, 1024})).pow(2).mean();
  loss.backward();
  opt.step();
  const uint64_t original = checksum(*model, opt);

  // The model and optimizer to restore into: other weights, no state yet.
  ag::manual_seed(1);
  auto restored = big_mlp();
  ag::optim::Adam restored_opt(restored->named_parameters());

  std::vector<double> save_s, load_s;
  std::vector<double> phase[2];  // state capture before the save; load_checkpoint alone
  auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  bool verified = true;
  for (int r = 0; r <= reps; ++r) {  // round 0 warms up and is not counted
    auto t0 = Clock::now();
    ag::Checkpoint c;
    c.meta.model_spec = "mlp:1024,4096,1024,128";
    c.sections["model"] = model->state_dict();
    c.sections["optimizer"] = ag::optimizer_state(opt.state_dict());
    auto t_captured = Clock::now();
    ag::save_checkpoint(c, path);
    auto t1 = Clock::now();
    {
      ag::Checkpoint back = ag::load_checkpoint(path);
      auto t_read = Clock::now();
      restored->load_state_dict(back.section("model"));
      restored_opt.load_state_dict(ag::optimizer_state_from(back.section("optimizer")));
      if (r > 0) phase[1].push_back(seconds(t_read - t1));
    }
    auto t2 = Clock::now();
    if (r == 0) continue;
    phase[0].push_back(seconds(t_captured - t0));
    save_s.push_back(seconds(t1 - t0));
    load_s.push_back(seconds(t2 - t1));
    verified = verified && checksum(*restored, restored_opt) == original;
    ag::NoGradGuard ng;
    for (ag::Tensor p : restored->parameters()) p.zero_();  // the next load must write them again
  }
  const double mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  std::filesystem::remove_all(scratch);
  // Where the time goes: the save's state capture (state_dict, optimizer state dict) and
  // its write (serialise, CRC, write, fsync, rename); the load's read (read, CRC, parse)
  // and its restore into the model and optimizer.
  std::printf("{\"file_MB\": %.1f, \"save_MBps\": %.0f, \"load_MBps\": %.0f, \"verified\": %s, \"reps\": %d, "
              "\"save_capture_ms\": %.1f, \"save_write_ms\": %.1f, \"load_read_ms\": %.1f, \"load_restore_ms\": %.1f}\n",
              mb, mb / median(save_s), mb / median(load_s), verified ? "true" : "false", reps, 1e3 * median(phase[0]),
              1e3 * (median(save_s) - median(phase[0])), 1e3 * median(phase[1]), 1e3 * (median(load_s) - median(phase[1])));
  return verified ? 0 : 1;
}
