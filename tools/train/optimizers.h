// --optimizer NAME: the optimizers `allgrad train` offers, as a SpecRegistry.
#pragma once
#include <memory>

#include "ag/optim.h"
#include "train/options.h"
#include "train/spec_registry.h"

namespace ag::tools {

/// Builds from the parameters and the run's hyper-parameter flags (--lr, --momentum, --weight-decay).
using OptimizerRegistry = SpecRegistry<std::unique_ptr<optim::Optimizer>, const NamedTensors&, const TrainOptions&>;
const OptimizerRegistry& optimizers();

}  // namespace ag::tools
