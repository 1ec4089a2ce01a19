// ag::TrainingRun: everything exact resume needs, in one object a training loop
// owns. See Note [Exact resume] in libtensor/src/checkpoint/training_run.cpp.
//
//   ag::TrainingRun run(model, optimizer, loader, &scheduler);
//   ag::CheckpointDir dir("runs/x");
//   if (auto latest = dir.latest()) run.restore(ag::load_checkpoint(latest->path), latest->path);
//   for (; run.epoch < epochs; ++run.epoch) {
//     for (auto& batch : loader) { ...one step...; ++run.step; }
//     dir.save(run.capture());
//   }
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "ag/checkpoint.h"
#include "ag/data/dataloader.h"
#include "ag/nn/module.h"
#include "ag/optim/lr_scheduler.h"
#include "ag/optim/optimizer.h"

namespace ag {

/// The parts of a run that a checkpoint captures, held by reference (the run owns
/// none of them), and the counters a loop keeps: epochs completed, optimizer steps
/// taken, and metrics worth keeping across a resume. capture() and restore() cover
/// the model, the optimizer, the scheduler (when given), the global generator
/// (dropout, init), the loader's position and generator, and the counters, so a run
/// stopped after step k and restored continues bitwise as if it had not stopped.
class TrainingRun {
 public:
  template <typename Batch>
  TrainingRun(nn::Module& model, optim::Optimizer& optimizer, data::DataLoader<Batch>& loader,
              optim::LRScheduler* scheduler = nullptr)
      : model_(model),
        optimizer_(optimizer),
        scheduler_(scheduler),
        loader_position_([&loader] { return loader.position(); }),
        load_loader_position_([&loader](const data::LoaderPosition& p) { loader.load_position(p); }) {}

  /// Epochs completed.
  int64_t epoch = 0;
  /// Optimizer steps taken (skipped steps included: they consumed a batch).
  int64_t step = 0;
  /// Kept in checkpoints, so a resumed run goes on from them.
  std::map<std::string, double> metrics;
  /// Stored in checkpoints as CheckpointMeta::model_spec; free text for a custom model.
  std::string model_spec;
  /// Ranks training this run, stored in checkpoints.
  int world_size = 1;
  /// Free-form facts capture() stores as CheckpointMeta::user (the run's settings,
  /// say); restore() leaves them as they are, for the caller to compare.
  std::map<std::string, std::string> user;

  /// The checkpoint of the run as it is now. The tensors alias the live ones (nothing
  /// is copied), so save it before the next step changes them.
  Checkpoint capture() const;
  /// Restores every part from `ckpt` (before the loader's next pass begins); throws
  /// naming `source` and the first mismatch (names, shapes, optimizer or scheduler type).
  /// The model spec is not compared here: what counts as the same model is the caller's call.
  void restore(const Checkpoint& ckpt, const std::string& source = "checkpoint");

  /// For an optimizer that holds only part of the state (dist::ZeroRedundancyOptimizer's
  /// shard): capture() stores what `save_state` returns (the whole state) instead of the
  /// optimizer's state dict, and restore() hands the checkpoint's to `load_state`.
  void set_optimizer_state_io(std::function<optim::OptimizerStateDict()> save_state,
                              std::function<void(const optim::OptimizerStateDict&)> load_state) {
    save_optimizer_state_ = std::move(save_state);
    load_optimizer_state_ = std::move(load_state);
  }

 private:
  nn::Module& model_;
  optim::Optimizer& optimizer_;
  optim::LRScheduler* scheduler_;
  std::function<data::LoaderPosition()> loader_position_;
  std::function<void(const data::LoaderPosition&)> load_loader_position_;
  std::function<optim::OptimizerStateDict()> save_optimizer_state_;
  std::function<void(const optim::OptimizerStateDict&)> load_optimizer_state_;
};

}  // namespace ag
