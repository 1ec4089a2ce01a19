// allgrad launch: a supervisor that runs `allgrad train` under mpirun and restarts it
// from the latest checkpoint on the hosts that still answer.
#pragma once
#include <string>
#include <vector>

namespace ag::tools {

/// `allgrad launch [--hostfile F] [--np N] [--max-restarts K] [--mca NAME VALUE]... -- train FLAGS...`;
/// returns the exit code (throws UsageError on bad input).
int run_launch(const std::vector<std::string>& args);

}  // namespace ag::tools
