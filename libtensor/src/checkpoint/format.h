// The checkpoint file's fixed header: magic, format version, flags, payload
// length and CRC-32C, in little-endian, ahead of the Boost archive payload.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "ag/checkpoint.h"

namespace ag::checkpoint {

// Note [Checkpoint layout]
// A file is a 64-byte header followed by the payload, a Boost binary archive
// written without Boost's own header (whose size_t fields differ between 32-
// and 64-bit builds). All integers are fixed-width little-endian:
//    0  magic "\x89AGCKPT\n" (the high byte and newline catch text-mode copies)
//    8  u32 format version     12  u32 header bytes (64)
//   16  u64 flags (0; unknown bits are refused)
//   24  u64 payload bytes      32  u32 CRC-32C of the payload
//   36  u32 Boost archive version of the writer (newer ones are refused)
//   40  reserved, zero         60  u32 CRC-32C of bytes 0..59
// Inside the payload every tensor's raw bytes start at a file offset that is a
// multiple of kDataAlignment, so a tensor read from the file into aligned memory
// and a file mapped into memory both keep tensor data aligned.
inline constexpr size_t kHeaderBytes = 64;
inline constexpr unsigned char kMagic[8] = {0x89, 'A', 'G', 'C', 'K', 'P', 'T', '\n'};
inline constexpr size_t kDataAlignment = 64;

/// Serializes `h` (format_version, flags, payload_bytes, payload_crc32c, archive_version) into `out`.
void encode_header(const CheckpointHeader& h, unsigned char out[kHeaderBytes]);

/// Decodes and checks a header read from `path` whose size is `file_bytes`;
/// `avail` bytes are at `bytes` (fewer than kHeaderBytes means a short file).
/// Checks magic, header CRC, version, flags, and payload length against the file size.
CheckpointHeader decode_header(const unsigned char* bytes, size_t avail, uint64_t file_bytes, const std::string& path);

/// The Boost archive version this build writes (BOOST_ARCHIVE_VERSION()).
uint32_t writer_archive_version();

/// Throws CheckpointError(path, reason).
[[noreturn]] void fail(const std::string& path, const std::string& reason);

/// "104.9 MB"-style size for messages.
std::string human_bytes(uint64_t n);

}  // namespace ag::checkpoint
