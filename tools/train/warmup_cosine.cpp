#include "train/warmup_cosine.h"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace ag::tools {

WarmupCosineLR::WarmupCosineLR(optim::Optimizer& optimizer, int64_t warmup, int64_t decay_steps, double min_lr)
    : LRScheduler(optimizer, "WarmupCosineLR") {
  set_hyperparameters({{"warmup", static_cast<double>(warmup)}, {"decay_steps", static_cast<double>(decay_steps)}, {"min_lr", min_lr}});
  initial_step();
}

std::optional<std::vector<double>> WarmupCosineLR::closed_form_lr() const {
  const auto it = static_cast<double>(last_epoch_), warm = static_cast<double>(warmup_), decay = static_cast<double>(decay_steps_);
  std::vector<double> lrs;
  for (double base : base_lrs_) {
    if (it < warm) lrs.push_back(base * (it + 1) / (warm + 1));
    else if (it > decay) lrs.push_back(min_lr_);
    else lrs.push_back(min_lr_ + 0.5 * (1 + std::cos(std::numbers::pi * (it - warm) / (decay - warm))) * (base - min_lr_));
  }
  return lrs;
}

optim::Hyperparameters WarmupCosineLR::hyperparameters() const {
  return {{"warmup", static_cast<double>(warmup_)}, {"decay_steps", static_cast<double>(decay_steps_)}, {"min_lr", min_lr_}};
}

void WarmupCosineLR::set_hyperparameters(const optim::Hyperparameters& h) {
  auto get = [&](const char* k) {
    auto i = h.find(k);
    if (i == h.end()) throw std::invalid_argument("WarmupCosineLR: state has no '" + std::string(k) + "'");
    return i->second;
  };
  const double warm = get("warmup"), decay = get("decay_steps"), min_lr = get("min_lr");
  if (!(warm >= 1 && decay > warm && min_lr >= 0) || warm != std::floor(warm) || decay != std::floor(decay))
    throw std::invalid_argument("WarmupCosineLR: needs whole warmup >= 1 < decay_steps and min_lr >= 0, got warmup " + std::to_string(warm) +
                                ", decay_steps " + std::to_string(decay) + ", min_lr " + std::to_string(min_lr));
  warmup_ = static_cast<int64_t>(warm);
  decay_steps_ = static_cast<int64_t>(decay);
  min_lr_ = min_lr;
}

}  // namespace ag::tools
