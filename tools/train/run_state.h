// Everything a training run holds, and its checkpoint round trip
// (Note [Exact resume]: model, optimizer, scheduler, the global generator
// (dropout), the loader's position and generator, epoch and step are all
// saved, and restored before the first batch is drawn; nothing is replayed).
#pragma once
#include <memory>
#include <string>

#include "ag/checkpoint.h"
#include "ag/data.h"
#include "ag/nn/module.h"
#include "ag/optim.h"

namespace ag::tools {

struct RunState {
  std::string model_spec;
  std::shared_ptr<nn::Module> model;
  std::unique_ptr<optim::Optimizer> optimizer;
  std::shared_ptr<optim::LRScheduler> scheduler;  // may be null
  std::unique_ptr<data::DataLoader<>> loader;
  int64_t epoch = 0;  // epochs completed
  int64_t step = 0;   // optimizer steps taken
  int world_size = 1;
  std::map<std::string, double> metrics;
};

/// The checkpoint of `st` as it is now.
Checkpoint capture(const RunState& st);
/// Restores `st` from `ckpt`; throws naming the first mismatch (another model spec, other names or shapes).
void restore(RunState& st, const Checkpoint& ckpt, const std::string& path);
/// Tensors for --init-weights: a safetensors file (e.g. from PyTorch), or a checkpoint
/// file or directory (its "model" section). Matched to the model by name.
StateDict init_weights_state(const std::string& path);

}  // namespace ag::tools
