// LRScheduler base and the single schedulers (StepLR, MultiStepLR,
// CosineAnnealingLR, LinearLR). Each get_lr is PyTorch's recursive form, with
// the same double arithmetic in the same order, so the lrs match bit for bit.
#include "ag/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "optim/options.h"

namespace ag::optim {

namespace {
constexpr double kPi = std::numbers::pi;  // math.pi

// Python's a % b and a // b for b > 0 (results rounded toward -infinity).
int64_t python_mod(int64_t a, int64_t b) { return ((a % b) + b) % b; }
int64_t python_floordiv(int64_t a, int64_t b) { return (a - python_mod(a, b)) / b; }
}  // namespace

// ---- LRScheduler

LRScheduler::LRScheduler(Optimizer& optimizer, std::string type_name) : optimizer_(optimizer), type_(std::move(type_name)) {
  for (ParamGroup& g : optimizer_.param_groups()) {
    // setdefault: the first scheduler on an optimizer fixes the base lrs for all later ones.
    auto it = g.options.try_emplace(detail::kInitialLr, g.lr()).first;
    base_lrs_.push_back(it->second);
  }
}

std::vector<double> LRScheduler::group_lrs() const {
  const auto& groups = optimizer_.param_groups();
  if (groups.size() != base_lrs_.size())
    throw std::logic_error(type_ + ": the optimizer has " + std::to_string(groups.size()) + " param groups but had " +
                           std::to_string(base_lrs_.size()) + " when the scheduler was created");
  std::vector<double> lrs;
  for (const ParamGroup& g : groups) lrs.push_back(g.lr());
  return lrs;
}

void LRScheduler::apply(const std::vector<double>& lrs) {
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size() && i < lrs.size(); ++i) groups[i].set_lr(lrs[i]);
  last_lr_ = group_lrs();
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  apply(get_lr());
}

void LRScheduler::step_to(int64_t epoch) {
  ++step_count_;
  last_epoch_ = epoch;
  auto closed = closed_form_lr();
  apply(closed ? *closed : get_lr());
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::set_hyperparameters(const Hyperparameters& h) {
  detail::OptionReader(h, type_.c_str(), {});  // throws on any key
}

SchedulerStateDict LRScheduler::state_dict() const {
  SchedulerStateDict sd;
  sd.type = type_;
  sd.last_epoch = last_epoch_;
  sd.step_count = step_count_;
  sd.base_lrs = base_lrs_;
  sd.last_lr = last_lr_;
  sd.hyperparameters = hyperparameters();
  return sd;
}

void LRScheduler::load_state_dict(const SchedulerStateDict& sd) {
  const std::string where = type_ + ".load_state_dict: ";
  if (sd.type != type_) throw std::invalid_argument(where + "the state dict was saved by " + sd.type + ", this scheduler is " + type_);
  const size_t groups = optimizer_.param_groups().size();
  if (sd.base_lrs.size() != groups || sd.last_lr.size() != groups)
    throw std::invalid_argument(where + "the state dict has " + std::to_string(sd.base_lrs.size()) + " base lrs and " +
                                std::to_string(sd.last_lr.size()) + " last lrs, the optimizer has " +
                                std::to_string(groups) + " param groups");
  set_hyperparameters(sd.hyperparameters);
  last_epoch_ = sd.last_epoch;
  step_count_ = sd.step_count;
  base_lrs_ = sd.base_lrs;
  last_lr_ = sd.last_lr;
}

// ---- StepLR

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma) : LRScheduler(optimizer, "StepLR") {
  set_hyperparameters({{"step_size", static_cast<double>(step_size)}, {"gamma", gamma}});
  initial_step();
}

std::vector<double> StepLR::get_lr() const {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || python_mod(last_epoch_, step_size_) != 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

std::optional<std::vector<double>> StepLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(base * std::pow(gamma_, static_cast<double>(python_floordiv(last_epoch_, step_size_))));
  return lrs;
}

Hyperparameters StepLR::hyperparameters() const {
  return {{"step_size", static_cast<double>(step_size_)}, {"gamma", gamma_}};
}

void StepLR::set_hyperparameters(const Hyperparameters& h) {
  detail::OptionReader r(h, type_.c_str(), {"step_size", "gamma"});
  int64_t step_size = r.integer("step_size", 1);
  gamma_ = r.number("gamma");
  step_size_ = step_size;
}

// ---- MultiStepLR

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer, "MultiStepLR"), milestones_(std::move(milestones)) {
  std::sort(milestones_.begin(), milestones_.end());  // PyTorch keeps a Counter and sorts for the closed form
  set_hyperparameters({{"gamma", gamma}});
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() const {
  std::vector<double> lrs = group_lrs();
  const auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(hits));
  return lrs;
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() const {
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, static_cast<double>(passed)));
  return lrs;
}

Hyperparameters MultiStepLR::hyperparameters() const { return {{"gamma", gamma_}}; }

void MultiStepLR::set_hyperparameters(const Hyperparameters& h) {
  gamma_ = detail::OptionReader(h, type_.c_str(), {"gamma"}).number("gamma");
}

SchedulerStateDict MultiStepLR::state_dict() const {
  SchedulerStateDict sd = LRScheduler::state_dict();
  sd.milestones = milestones_;
  return sd;
}

void MultiStepLR::load_state_dict(const SchedulerStateDict& sd) {
  LRScheduler::load_state_dict(sd);
  milestones_ = sd.milestones;
  std::sort(milestones_.begin(), milestones_.end());
}

// ---- CosineAnnealingLR

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer, "CosineAnnealingLR") {
  set_hyperparameters({{"T_max", static_cast<double>(T_max)}, {"eta_min", eta_min}});
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() const {
  std::vector<double> lrs = group_lrs();
  const double T = static_cast<double>(T_max_), e = static_cast<double>(last_epoch_);
  if (last_epoch_ == 0) return lrs;
  if (step_count_ == 1 && last_epoch_ > 0) return *closed_form_lr();
  for (size_t i = 0; i < lrs.size(); ++i) {
    if (python_mod(last_epoch_ - 1 - T_max_, 2 * T_max_) == 0)  // climbing out of eta_min past T_max
      lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(kPi / T)) / 2;
    else
      lrs[i] = (1 + std::cos(kPi * e / T)) / (1 + std::cos(kPi * (e - 1) / T)) * (lrs[i] - eta_min_) + eta_min_;
  }
  return lrs;
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() const {
  const double T = static_cast<double>(T_max_), e = static_cast<double>(last_epoch_);
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(eta_min_ + (base - eta_min_) * (1 + std::cos(kPi * e / T)) / 2);
  return lrs;
}

Hyperparameters CosineAnnealingLR::hyperparameters() const {
  return {{"T_max", static_cast<double>(T_max_)}, {"eta_min", eta_min_}};
}

void CosineAnnealingLR::set_hyperparameters(const Hyperparameters& h) {
  detail::OptionReader r(h, type_.c_str(), {"T_max", "eta_min"});
  int64_t T_max = r.integer("T_max", 1);
  eta_min_ = r.number("eta_min");
  T_max_ = T_max;
}

// ---- LinearLR

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler(optimizer, "LinearLR") {
  set_hyperparameters({{"start_factor", start_factor},
                       {"end_factor", end_factor},
                       {"total_iters", static_cast<double>(total_iters)}});
  initial_step();
}

std::vector<double> LinearLR::get_lr() const {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  const double span = end_factor_ - start_factor_;
  const double ratio =
      1.0 + span / (static_cast<double>(total_iters_) * start_factor_ + static_cast<double>(last_epoch_ - 1) * span);
  for (double& lr : lrs) lr = lr * ratio;
  return lrs;
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() const {
  const double done = static_cast<double>(std::min(total_iters_, last_epoch_));
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(base * (start_factor_ + (end_factor_ - start_factor_) * done / static_cast<double>(total_iters_)));
  return lrs;
}

Hyperparameters LinearLR::hyperparameters() const {
  return {{"start_factor", start_factor_}, {"end_factor", end_factor_}, {"total_iters", static_cast<double>(total_iters_)}};
}

void LinearLR::set_hyperparameters(const Hyperparameters& h) {
  detail::OptionReader r(h, type_.c_str(), {"start_factor", "end_factor", "total_iters"});
  const double start = r.number("start_factor"), end = r.number("end_factor");
  if (!(start > 0 && start <= 1))
    r.fail("starting multiplicative factor expected to be greater than 0 and less or equal to 1, got " +
           detail::format_number(start));
  if (!(end >= 0 && end <= 1))
    r.fail("ending multiplicative factor expected to be between 0 and 1, got " + detail::format_number(end));
  total_iters_ = r.integer("total_iters", 1);
  start_factor_ = start;
  end_factor_ = end;
}

}  // namespace ag::optim
