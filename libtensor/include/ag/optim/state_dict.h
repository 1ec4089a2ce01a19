// Saved state of optimizers and LR schedulers: plain values (names, numbers,
// tensors) with no pointers into live objects, so a checkpoint can write them
// and a fresh optimizer can load them.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ag/tensor.h"

namespace ag::optim {

/// Hyperparameters of one param group by name ("lr", "weight_decay", "beta1", ...).
/// Flags (nesterov, amsgrad, ...) are stored as 0 or 1; integer settings as whole numbers.
using Hyperparameters = std::map<std::string, double>;

/// One parameter's optimizer state.
struct ParamStateDict {
  /// Updates applied to this parameter (PyTorch's per-parameter `step`).
  int64_t step = 0;
  /// State tensors by name ("exp_avg", "momentum_buffer", ...), each shaped like the parameter.
  std::map<std::string, Tensor> buffers;
};

/// One param group: its hyperparameters and the names of its parameters, in order.
struct ParamGroupStateDict {
  Hyperparameters options;
  std::vector<std::string> params;
};

/// Everything an optimizer needs to continue exactly where it stopped.
struct OptimizerStateDict {
  /// The optimizer's type name ("SGD", "Adam", "AdamW", "RMSprop"); loading checks it.
  std::string type;
  std::vector<ParamGroupStateDict> param_groups;
  /// Keyed by parameter name; parameters that never stepped have no entry (as in PyTorch).
  std::map<std::string, ParamStateDict> state;
};

/// Everything an LR scheduler needs to continue exactly where it stopped.
struct SchedulerStateDict {
  /// The scheduler's type name ("StepLR", "CosineAnnealingLR", ...); loading checks it.
  std::string type;
  int64_t last_epoch = -1;
  /// Calls to step(), counting the one the constructor makes (PyTorch's `_step_count`).
  int64_t step_count = 0;
  /// One per param group: the learning rates the schedule starts from.
  std::vector<double> base_lrs;
  /// One per param group: the learning rates set by the last step.
  std::vector<double> last_lr;
  /// The scheduler's settings by name ("gamma", "step_size", "T_max", ...).
  Hyperparameters hyperparameters;
  /// MultiStepLR's and SequentialLR's milestones.
  std::vector<int64_t> milestones;
  /// The states of the schedulers a SequentialLR or ChainedScheduler drives, in order.
  std::vector<SchedulerStateDict> schedulers;
};

}  // namespace ag::optim
