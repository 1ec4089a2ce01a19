// Learning-rate schedulers (torch.optim.lr_scheduler): StepLR, MultiStepLR,
// CosineAnnealingLR, LinearLR, and SequentialLR / ChainedScheduler to combine
// them. Like PyTorch's, step() uses the recursive (chainable) form, which
// scales each group's current lr, so schedulers stacked on one optimizer compose.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ag/optim/optimizer.h"
#include "ag/optim/state_dict.h"

namespace ag::optim {

/// Base of the schedulers. Construction records each group's "initial_lr" (if
/// no scheduler did before) as the base lr, then takes the first step, which
/// sets last_epoch to 0. Departure from PyTorch: there is no `last_epoch`
/// constructor argument; resume with load_state_dict instead.
/// The scheduler keeps a reference to the optimizer, which must outlive it.
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances one epoch (or iteration) and writes the new lr into every param group.
  virtual void step();
  /// The lr of each group as this scheduler last set it.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  /// Epochs stepped since construction (0 right after it).
  int64_t last_epoch() const { return last_epoch_; }
  /// One per param group: the lr the schedule starts from ("initial_lr").
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  /// The optimizer whose lrs this scheduler sets.
  Optimizer& optimizer() const { return optimizer_; }
  /// "StepLR", "CosineAnnealingLR", ...
  const std::string& type_name() const { return type_; }

  virtual SchedulerStateDict state_dict() const;
  /// Restores counters, lrs and settings (as PyTorch's __dict__.update). Throws if
  /// the type or the number of param groups differs. The optimizer's lrs are not
  /// touched: they come back with the optimizer's own state dict.
  virtual void load_state_dict(const SchedulerStateDict& sd);

 protected:
  LRScheduler(Optimizer& optimizer, std::string type_name);

  /// The lrs for the current last_epoch, from the groups' current lrs (recursive form).
  virtual std::vector<double> get_lr() const = 0;
  /// The lrs for last_epoch from base_lrs alone, for schedulers that have one.
  virtual std::optional<std::vector<double>> closed_form_lr() const { return std::nullopt; }
  /// Settings for the state dict, and their restore (which validates them).
  virtual Hyperparameters hyperparameters() const { return {}; }
  virtual void set_hyperparameters(const Hyperparameters& h);

  /// Derived constructors end with this: step_count = 0, then step() (PyTorch's _initial_step).
  void initial_step();
  /// PyTorch's deprecated step(epoch), which SequentialLR uses at its milestones: jumps to
  /// `epoch` and uses the closed form when there is one.
  void step_to(int64_t epoch);
  /// The current lr of every param group.
  std::vector<double> group_lrs() const;
  /// Writes `lrs` into the groups and records them as the last lrs.
  void apply(const std::vector<double>& lrs);

  Optimizer& optimizer_;
  std::string type_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;

  friend class SequentialLR;
  friend class ChainedScheduler;
};

/// lr = base_lr * gamma^(epoch / step_size): multiplies the lr by gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  /// step_size >= 1 epochs between decays; takes the first step (lr unchanged at epoch 0).
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() const override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  Hyperparameters hyperparameters() const override;
  void set_hyperparameters(const Hyperparameters& h) override;

 private:
  int64_t step_size_;
  double gamma_;
};

/// Multiplies the lr by gamma at each milestone epoch (a milestone listed twice applies twice).
class MultiStepLR : public LRScheduler {
 public:
  /// Milestones in any order; takes the first step.
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);
  /// The base state plus the milestones.
  SchedulerStateDict state_dict() const override;
  /// Restores the base state and the milestones.
  void load_state_dict(const SchedulerStateDict& sd) override;

 protected:
  std::vector<double> get_lr() const override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  Hyperparameters hyperparameters() const override;
  void set_hyperparameters(const Hyperparameters& h) override;

 private:
  std::vector<int64_t> milestones_;  // sorted
  double gamma_;
};

/// lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2, computed
/// recursively from the current lr as PyTorch does (so it composes with other schedulers);
/// past T_max it keeps following the cosine back up.
class CosineAnnealingLR : public LRScheduler {
 public:
  /// Half a period is T_max >= 1 epochs; takes the first step.
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0);

 protected:
  std::vector<double> get_lr() const override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  Hyperparameters hyperparameters() const override;
  void set_hyperparameters(const Hyperparameters& h) override;

 private:
  int64_t T_max_;
  double eta_min_;
};

/// Scales the lr by a factor moving linearly from start_factor to end_factor over
/// total_iters epochs, then holds it (learning-rate warmup).
class LinearLR : public LRScheduler {
 public:
  /// start_factor in (0, 1], end_factor in [0, 1], total_iters >= 1; takes the first step (lr *= start_factor).
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);

 protected:
  std::vector<double> get_lr() const override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  Hyperparameters hyperparameters() const override;
  void set_hyperparameters(const Hyperparameters& h) override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

/// Runs schedulers one after another: schedulers[i] drives the lr from milestones[i-1]
/// on, and restarts from its base lr at that milestone. All must belong to `optimizer`.
class SequentialLR : public LRScheduler {
 public:
  /// One more scheduler than milestones; milestones in increasing order. Construct the
  /// schedulers first (on `optimizer`); this resets the lrs and replays only the first one's start.
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  /// Steps the scheduler in charge of the new epoch (at a milestone, restarting it at epoch 0).
  void step() override;
  /// The base state, the milestones and every scheduler's state.
  SchedulerStateDict state_dict() const override;
  /// Restores this scheduler and each driven one; their number and types must match.
  void load_state_dict(const SchedulerStateDict& sd) override;

 protected:
  std::vector<double> get_lr() const override { return group_lrs(); }

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

/// Steps every scheduler in order at each step, so their factors multiply
/// (e.g. a LinearLR warmup under a StepLR decay). All must share one optimizer.
class ChainedScheduler : public LRScheduler {
 public:
  /// At least one scheduler; construct them first, on one optimizer. Takes no step itself.
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  /// Steps every scheduler, in order.
  void step() override;
  /// The base state and every scheduler's state.
  SchedulerStateDict state_dict() const override;
  /// Restores this scheduler and each driven one; their number and types must match.
  void load_state_dict(const SchedulerStateDict& sd) override;

 protected:
  std::vector<double> get_lr() const override { return group_lrs(); }

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

}  // namespace ag::optim
