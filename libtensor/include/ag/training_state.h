// Converting training state to and from the flat StateDicts a Checkpoint stores
// (a module's is its own state_dict()): optimizers, schedulers, generators and loader positions. Keys are
// plain dotted names, so `allgrad inspect` shows them without any model code.
#pragma once
#include "ag/data/dataloader.h"
#include "ag/generator.h"
#include "ag/optim/optimizer.h"
#include "ag/optim/state_dict.h"
#include "ag/state_dict.h"

namespace ag {

StateDict optimizer_state(const optim::OptimizerStateDict& o);
optim::OptimizerStateDict optimizer_state_from(const StateDict& sd);

StateDict scheduler_state(const optim::SchedulerStateDict& s);
optim::SchedulerStateDict scheduler_state_from(const StateDict& sd);

/// Writes a generator's state under `prefix` ("rng.global." etc.).
void put_generator_state(StateDict& sd, const std::string& prefix, const Generator::State& s);
Generator::State generator_state_from(const StateDict& sd, const std::string& prefix);

StateDict loader_position_state(const data::LoaderPosition& p);
data::LoaderPosition loader_position_from(const StateDict& sd);

}  // namespace ag
