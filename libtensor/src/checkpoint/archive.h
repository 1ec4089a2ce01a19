// The payload: Checkpoint <-> Boost binary archive, through version-tagged
// record classes that write fixed-width integers and raw tensor bytes.
#pragma once
#include <cstdint>
#include <memory>

#include "ag/checkpoint.h"
#include "checkpoint/payload_stream.h"

namespace ag::checkpoint {

/// Serializes a checkpoint (its metadata and sections) into `out` as a Boost
/// binary archive without Boost's header (Note [Checkpoint layout]). The
/// caller calls out.finish().
void write_payload(const CheckpointMeta& meta, const std::map<std::string, StateDict>& sections, PayloadWriter& out);

/// Parses the payload `in` reads, written with Boost archive version
/// `archive_version`. Every length is checked against in.remaining() before
/// use; each loaded tensor owns its memory. Malformed input throws
/// CheckpointError with the byte offset.
Checkpoint read_payload(PayloadReader& in, uint32_t archive_version);

}  // namespace ag::checkpoint
