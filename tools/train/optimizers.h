// --optimizer NAME: the optimizers `allgrad train` offers, as a SpecRegistry.
#pragma once
#include <memory>

#include "ag/optim.h"
#include "train/options.h"
#include "train/spec_registry.h"

namespace ag::tools {

/// Builds from the param groups and the run's hyper-parameter flags (--lr, --momentum,
/// --weight-decay), which are the defaults of the options a group leaves out.
using OptimizerRegistry = SpecRegistry<std::unique_ptr<optim::Optimizer>, std::vector<optim::ParamGroup>, const TrainOptions&>;
const OptimizerRegistry& optimizers();

}  // namespace ag::tools
