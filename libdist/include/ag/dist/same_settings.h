// Ranks that must run the same thing check that they do, once, before the first
// step: ranks started with different settings would otherwise train different
// things and exit 0, hang at a collective, or fail with an MPI error that names
// nothing the user set.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "ag/dist/communicator.h"

namespace ag::dist {

/// A setting by name and its value as text ("optimizer", "adamw").
using Settings = std::vector<std::pair<std::string, std::string>>;

/// One allgather of every rank's settings. When any differs, every rank throws the
/// same AgreedError naming the first setting that differs and each group of
/// ranks' value: "ranks disagree on optimizer: 'adamw' on rank 0, 'sgd' on rank 1".
/// Costs one small collective; a no-op on one rank.
void require_same_settings(Communicator& comm, const Settings& settings);

}  // namespace ag::dist
