// Internal entry points of checkpoint reading, for CheckpointDir, tests and fuzzers.
#pragma once
#include <cstddef>
#include <string>

#include "ag/checkpoint.h"

namespace ag::checkpoint {

/// Parses a whole checkpoint file held in memory (`name` is used in messages),
/// with the same checks as load_checkpoint.
Checkpoint parse_checkpoint_bytes(const void* data, size_t n, const std::string& name);

/// Checks the header and the payload CRC of `path` without parsing the payload
/// or allocating more than a small buffer. Throws CheckpointError.
CheckpointHeader check_checkpoint_integrity(const std::string& path);

}  // namespace ag::checkpoint
