// What one `allgrad train` run holds, built by set_up() and used by the step, the
// end of an epoch and the saves (train_loop.cpp). The parts exact resume needs are
// behind `state` (ag::TrainingRun, the library's), so the CLI keeps no resume logic
// of its own.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "ag/ag.h"
#include "ag/checkpoint.h"
#include "ag/dist/ddp.h"
#include "ag/dist/fixed_order_reducer.h"
#include "ag/dist/zero_redundancy_optimizer.h"
#include "ag/training_run.h"
#include "file_io.h"
#include "registry.h"
#include "train/data_source.h"
#include "train/options.h"
#include "train/progress.h"
#include "train/run_identity.h"
#include "train/schedulers.h"
#include "train/step_timer.h"

namespace ag::tools {

struct Run {
  const TrainOptions& o;
  std::shared_ptr<dist::Communicator> comm_ptr;
  dist::Communicator& comm;
  const int rank, world;
  Progress out;

  models::ModelInfo info;
  std::string loss_kind;  // "cross-entropy" or "mse"
  std::optional<DataSource> data;
  dist::Settings identity;  // see run_identity.h
  std::shared_ptr<data::DistributedSampler> sampler;
  std::unique_ptr<data::DataLoader<>> loader;
  /// The optimizer schedulers drive: `whole_optimizer`, or under --shard-optimizer the
  /// optimizer of this rank's shard (zero->local()).
  optim::Optimizer* optimizer = nullptr;
  std::unique_ptr<optim::Optimizer> whole_optimizer;
  std::unique_ptr<dist::ZeroRedundancyOptimizer> zero;
  Schedule schedule;
  std::unique_ptr<TrainingRun> state;
  std::optional<CheckpointDir> ckdir;
  std::unique_ptr<dist::DistributedDataParallel> ddp;  // null on one rank
  /// --reproducible: the fixed summation tree (on any world size, one rank included),
  /// and whether some rank voted to stop after the last step.
  std::unique_ptr<dist::FixedOrderReducer> fixed;
  bool fixed_stop = false;
  nn::CrossEntropyLoss ce;
  StepTimer timer;
  /// --clip-grad-norm: the total gradient norm before the last step's clipping.
  double grad_norm = 0;
  /// --profile: the file (rank 0's, opened at start-up so a bad path fails at once)
  /// and when recording began.
  std::unique_ptr<OutputFile> trace_file;
  std::chrono::steady_clock::time_point trace_origin;
  /// For tests only: this rank sleeps this long before each step's batch
  /// (AG_TEST_SLOW_DATA_RANK, AG_TEST_SLOW_DATA_MS), a rank with slow data on purpose.
  std::chrono::milliseconds test_slow_data{0};

  Run(const TrainOptions& opts, const std::shared_ptr<dist::Communicator>& c);
  void say(const std::string& s) { out.line(s); }
  /// Steps dropped for non-finite gradients over the whole run (kept in checkpoints).
  int64_t skipped() const;
};

/// Builds model, data, loader, optimizer and schedule; resumes (--resume) or loads
/// --init-weights; wraps the model in DDP under several ranks; prints the start-up line.
std::unique_ptr<Run> set_up(const TrainOptions& o, const std::shared_ptr<dist::Communicator>& comm);

/// Writes a checkpoint of the run as it is now (rank 0 writes, the others wait);
/// returns its path, or "" without --checkpoint-dir. A failed save throws: going on
/// would train for hours with nothing to resume from.
std::string save(Run& r);

}  // namespace ag::tools
