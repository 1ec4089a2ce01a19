// Note [Exact resume]: a checkpoint holds the model, the optimizer, the scheduler,
// the global generator (dropout), the loader's position and generator, epoch and
// step; all are restored before the first batch is drawn, and nothing is replayed.
#include "ag/training_run.h"

#include <stdexcept>

#include "ag/generator.h"
#include "ag/training_state.h"

namespace ag {

Checkpoint TrainingRun::capture() const {
  Checkpoint c;
  c.meta.world_size = world_size;
  c.meta.model_spec = model_spec;
  c.meta.epoch = epoch;
  c.meta.global_step = step;
  c.meta.metrics = metrics;
  c.meta.user = user;
  c.sections["model"] = model_.state_dict();
  c.sections["optimizer"] = optimizer_state(save_optimizer_state_ ? save_optimizer_state_() : optimizer_.state_dict_view());
  if (scheduler_) c.sections["scheduler"] = scheduler_state(scheduler_->state_dict());
  StateDict rng;
  put_generator_state(rng, "global.", default_generator().get_state());
  c.sections["rng"] = rng;
  c.sections["loader"] = loader_position_state(loader_position_());
  return c;
}

void TrainingRun::restore(const Checkpoint& c, const std::string& source) {
  auto fail = [&](const std::string& what) { throw std::runtime_error("checkpoint '" + source + "': " + what); };
  if (scheduler_ && !c.has_section("scheduler")) fail("it has no scheduler state but this run uses a scheduler");
  model_.load_state_dict(c.section("model"));
  if (load_optimizer_state_) load_optimizer_state_(optimizer_state_from(c.section("optimizer")));
  else optimizer_.load_state_dict(optimizer_state_from(c.section("optimizer")));
  if (scheduler_) scheduler_->load_state_dict(scheduler_state_from(c.section("scheduler")));
  default_generator().set_state(generator_state_from(c.section("rng"), "global."));
  load_loader_position_(loader_position_from(c.section("loader")));
  epoch = c.meta.epoch;
  step = c.meta.global_step;
  metrics = c.meta.metrics;
}

}  // namespace ag
