// Checkpoint capture and restore for a training run. See Note [Exact resume].
#include "train/run_state.h"

#include <stdexcept>

#include "ag/generator.h"
#include "ag/training_state.h"
#include "checkpoint_tools.h"

namespace ag::tools {

Checkpoint capture(const RunState& st) {
  Checkpoint c;
  c.meta.world_size = st.world_size;
  c.meta.model_spec = st.model_spec;
  c.meta.epoch = st.epoch;
  c.meta.global_step = st.step;
  c.meta.metrics = st.metrics;
  c.sections["model"] = module_state(*st.model);
  c.sections["optimizer"] = optimizer_state(st.optimizer->state_dict());
  if (st.scheduler) c.sections["scheduler"] = scheduler_state(st.scheduler->state_dict());
  StateDict rng;
  put_generator_state(rng, "global.", default_generator().get_state());
  c.sections["rng"] = rng;
  c.sections["loader"] = loader_position_state(st.loader->position());
  return c;
}

void restore(RunState& st, const Checkpoint& c, const std::string& path) {
  if (c.meta.model_spec != st.model_spec)
    throw std::runtime_error("checkpoint '" + path + "' is of model '" + c.meta.model_spec + "', not '" + st.model_spec +
                             "' (pass the same --model, or start without --resume)");
  load_module_state(*st.model, c.section("model"));
  st.optimizer->load_state_dict(optimizer_state_from(c.section("optimizer")));
  if (st.scheduler) {
    if (!c.has_section("scheduler"))
      throw std::runtime_error("checkpoint '" + path + "' has no scheduler state but this run uses a scheduler");
    st.scheduler->load_state_dict(scheduler_state_from(c.section("scheduler")));
  }
  default_generator().set_state(generator_state_from(c.section("rng"), "global."));
  st.loader->load_position(loader_position_from(c.section("loader")));
  st.epoch = c.meta.epoch;
  st.step = c.meta.global_step;
  st.metrics = c.meta.metrics;
}

}  // namespace ag::tools

namespace ag::tools {

StateDict init_weights_state(const std::string& path) {
  bool safetensors = path.size() > 12 && path.compare(path.size() - 12, 12, ".safetensors") == 0;
  if (safetensors) {
    StateDict sd;
    for (const auto& [name, t] : load_safetensors(path)) sd.set_tensor(name, t);
    return sd;
  }
  return load_checkpoint(resolve_checkpoint_path(path)).section("model");
}

}  // namespace ag::tools
