// --scheduler SPEC: the learning-rate schedules `allgrad train` offers, as a SpecRegistry.
#pragma once
#include <cstdint>
#include <memory>

#include "ag/optim.h"
#include "train/spec_registry.h"

namespace ag::tools {

/// A schedule and when it steps: after every optimizer step (cosine, warmup), or
/// after every epoch (step:SIZE,GAMMA counts epochs).
struct Schedule {
  std::shared_ptr<optim::LRScheduler> sched;  // null: constant learning rate
  bool per_epoch = false;
};

/// Builds for the optimizer and the run's total optimizer steps (every epoch's, so a
/// run cut short by --max-steps and resumed follows the same learning rates).
using SchedulerRegistry = SpecRegistry<Schedule, optim::Optimizer&, int64_t>;
const SchedulerRegistry& schedulers();

}  // namespace ag::tools
