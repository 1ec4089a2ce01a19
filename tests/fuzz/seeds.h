// Valid inputs for each fuzz target: the starting corpus, and what the replay
// test mutates.
#pragma once
#include <string>
#include <vector>

namespace ag::fuzz {

/// Well-formed inputs for `target` ("checkpoint", "safetensors", "npz", "npy", "idx", "csv").
/// Throws std::invalid_argument for an unknown target.
std::vector<std::string> seeds_for(const std::string& target);

}  // namespace ag::fuzz
