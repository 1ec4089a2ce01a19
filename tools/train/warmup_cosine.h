// nanoGPT's learning-rate schedule (train.py's get_lr) as an LRScheduler.
#pragma once
#include "ag/optim/lr_scheduler.h"

namespace ag::tools {

/// At step it (0-based): base·(it + 1)/(warmup + 1) while it < warmup; then a cosine
/// from base down to min_lr at decay_steps; min_lr after that. Closed form only, so a
/// resumed run (which restores last_epoch) lands on the same lr.
class WarmupCosineLR : public optim::LRScheduler {
 public:
  /// decay_steps > warmup >= 1, 0 <= min_lr.
  WarmupCosineLR(optim::Optimizer& optimizer, int64_t warmup, int64_t decay_steps, double min_lr);

 protected:
  std::vector<double> get_lr() const override { return *closed_form_lr(); }
  std::optional<std::vector<double>> closed_form_lr() const override;
  optim::Hyperparameters hyperparameters() const override;
  void set_hyperparameters(const optim::Hyperparameters& h) override;

 private:
  int64_t warmup_ = 1, decay_steps_ = 2;
  double min_lr_ = 0;
};

}  // namespace ag::tools
