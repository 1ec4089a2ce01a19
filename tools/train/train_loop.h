// `allgrad train`: the whole training run.
#pragma once
#include <memory>

#include "ag/dist/communicator.h"
#include "train/options.h"

namespace ag::tools {

/// Trains as the options say; returns the process exit code (0 done, 1 error,
/// 130/143 stopped by SIGINT/SIGTERM after writing a checkpoint).
int run_train(const TrainOptions& opts, const std::shared_ptr<dist::Communicator>& comm);

}  // namespace ag::tools
