// Schedulers that drive other schedulers: SequentialLR (one after another,
// switching at milestones) and ChainedScheduler (all at once, factors multiply).
#include <algorithm>
#include <stdexcept>

#include "ag/optim/lr_scheduler.h"
#include "optim/options.h"

namespace ag::optim {

namespace {

// Every scheduler must exist and drive `optimizer`.
void check_schedulers(const std::vector<std::shared_ptr<LRScheduler>>& schedulers, const Optimizer& optimizer,
                      const char* who) {
  if (schedulers.empty()) throw std::invalid_argument(std::string(who) + " expects at least one scheduler");
  for (size_t i = 0; i < schedulers.size(); ++i) {
    if (!schedulers[i]) throw std::invalid_argument(std::string(who) + ": scheduler " + std::to_string(i) + " is null");
    if (&schedulers[i]->optimizer() != &optimizer)
      throw std::invalid_argument(std::string(who) + " expects all schedulers to belong to the same optimizer, but scheduler " +
                                  std::to_string(i) + " (" + schedulers[i]->type_name() + ") drives a different one");
  }
}

Optimizer& first_optimizer(const std::vector<std::shared_ptr<LRScheduler>>& schedulers) {
  if (schedulers.empty() || !schedulers[0])
    throw std::invalid_argument("ChainedScheduler expects at least one scheduler");
  return schedulers[0]->optimizer();
}

// Loads each child's state; the counts must match.
void load_children(const std::vector<std::shared_ptr<LRScheduler>>& schedulers, const SchedulerStateDict& sd,
                   const std::string& who) {
  if (sd.schedulers.size() != schedulers.size())
    throw std::invalid_argument(who + ".load_state_dict: the state dict has " + std::to_string(sd.schedulers.size()) +
                                " schedulers, this one drives " + std::to_string(schedulers.size()));
  for (size_t i = 0; i < schedulers.size(); ++i)
    if (sd.schedulers[i].type != schedulers[i]->type_name())
      throw std::invalid_argument(who + ".load_state_dict: scheduler " + std::to_string(i) + " is a " +
                                  schedulers[i]->type_name() + " but the state dict holds a " + sd.schedulers[i].type);
  for (size_t i = 0; i < schedulers.size(); ++i) schedulers[i]->load_state_dict(sd.schedulers[i]);
}

}  // namespace

// ---- SequentialLR

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer, "SequentialLR"), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  check_schedulers(schedulers_, optimizer_, "SequentialLR");
  if (milestones_.size() != schedulers_.size() - 1)
    throw std::invalid_argument("SequentialLR expects one more scheduler than milestones, got " +
                                std::to_string(schedulers_.size()) + " schedulers and " +
                                std::to_string(milestones_.size()) + " milestones");
  // Departure from PyTorch, which does not check: bisecting unsorted milestones picks the wrong scheduler.
  if (!std::is_sorted(milestones_.begin(), milestones_.end()))
    throw std::invalid_argument("SequentialLR: milestones must be in increasing order");
  last_epoch_ = 0;
  // Undo what the schedulers' constructors did: lrs back to initial, their first step taken back;
  // then only the first scheduler takes its first step.
  for (ParamGroup& g : optimizer_.param_groups()) g.set_lr(g.options.at(detail::kInitialLr));
  for (auto& s : schedulers_) s->last_epoch_ -= 1;
  schedulers_[0]->initial_step();
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::step() {
  ++step_count_;
  ++last_epoch_;
  const size_t idx = static_cast<size_t>(std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) -
                                         milestones_.begin());
  LRScheduler& s = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_)
    s.step_to(0);  // the next scheduler starts over from its base lrs
  else
    s.step();
  last_lr_ = s.get_last_lr();
}

SchedulerStateDict SequentialLR::state_dict() const {
  SchedulerStateDict sd = LRScheduler::state_dict();
  sd.milestones = milestones_;
  for (const auto& s : schedulers_) sd.schedulers.push_back(s->state_dict());
  return sd;
}

void SequentialLR::load_state_dict(const SchedulerStateDict& sd) {
  if (sd.milestones.size() != milestones_.size())
    throw std::invalid_argument("SequentialLR.load_state_dict: the state dict has " + std::to_string(sd.milestones.size()) +
                                " milestones, this scheduler has " + std::to_string(milestones_.size()));
  LRScheduler::load_state_dict(sd);
  load_children(schedulers_, sd, type_);
  milestones_ = sd.milestones;
}

// ---- ChainedScheduler

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler(first_optimizer(schedulers), "ChainedScheduler"), schedulers_(std::move(schedulers)) {
  check_schedulers(schedulers_, optimizer_, "ChainedScheduler");
  last_epoch_ = 0;
  last_lr_ = group_lrs();
}

void ChainedScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  for (auto& s : schedulers_) s->step();
  last_lr_ = group_lrs();
}

SchedulerStateDict ChainedScheduler::state_dict() const {
  SchedulerStateDict sd = LRScheduler::state_dict();
  for (const auto& s : schedulers_) sd.schedulers.push_back(s->state_dict());
  return sd;
}

void ChainedScheduler::load_state_dict(const SchedulerStateDict& sd) {
  LRScheduler::load_state_dict(sd);
  load_children(schedulers_, sd, type_);
}

}  // namespace ag::optim
