// Encoding and checking of the checkpoint header (Note [Checkpoint layout]).
#include "checkpoint/format.h"

#include <boost/archive/basic_archive.hpp>
#include <cstdio>
#include <cstring>

#include "checkpoint/crc32c.h"

namespace ag::checkpoint {

namespace {

void put_u32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put_u64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
uint32_t get_u32(const unsigned char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}
uint64_t get_u64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

}  // namespace

void fail(const std::string& path, const std::string& reason) { throw CheckpointError(path, reason); }

uint32_t writer_archive_version() { return boost::archive::BOOST_ARCHIVE_VERSION(); }

std::string human_bytes(uint64_t n) {
  char b[32];
  if (n < 1000) std::snprintf(b, sizeof b, "%llu B", static_cast<unsigned long long>(n));
  else if (n < 1000 * 1000) std::snprintf(b, sizeof b, "%.1f kB", n / 1e3);
  else if (n < 1000ull * 1000 * 1000) std::snprintf(b, sizeof b, "%.1f MB", n / 1e6);
  else std::snprintf(b, sizeof b, "%.2f GB", n / 1e9);
  return b;
}

void encode_header(const CheckpointHeader& h, unsigned char out[kHeaderBytes]) {
  std::memset(out, 0, kHeaderBytes);
  std::memcpy(out, kMagic, sizeof kMagic);
  put_u32(out + 8, h.format_version);
  put_u32(out + 12, static_cast<uint32_t>(kHeaderBytes));
  put_u64(out + 16, h.flags);
  put_u64(out + 24, h.payload_bytes);
  put_u32(out + 32, h.payload_crc32c);
  put_u32(out + 36, h.archive_version);
  put_u32(out + 60, crc32c(out, 60));
}

CheckpointHeader decode_header(const unsigned char* b, size_t avail, uint64_t file_bytes, const std::string& path) {
  if (avail < kHeaderBytes || file_bytes < kHeaderBytes)
    fail(path, "file is " + std::to_string(file_bytes) + " bytes, shorter than the " + std::to_string(kHeaderBytes) +
                   "-byte checkpoint header (truncated, or not a checkpoint)");
  if (std::memcmp(b, kMagic, sizeof kMagic) != 0)
    fail(path, "not an allgrad checkpoint: bad magic at byte 0 (expected \\x89AGCKPT\\n)");
  uint32_t stored_crc = get_u32(b + 60), actual_crc = crc32c(b, 60);
  if (stored_crc != actual_crc)
    fail(path, "header is corrupt: CRC-32C of bytes 0-59 is " + hex32(actual_crc) + ", byte 60 says " + hex32(stored_crc));
  CheckpointHeader h;
  h.format_version = get_u32(b + 8);
  h.header_bytes = get_u32(b + 12);
  h.flags = get_u64(b + 16);
  h.payload_bytes = get_u64(b + 24);
  h.payload_crc32c = get_u32(b + 32);
  h.archive_version = get_u32(b + 36);
  h.file_bytes = file_bytes;
  if (h.format_version == 0 || h.format_version > kCheckpointFormatVersion)
    fail(path, "format version " + std::to_string(h.format_version) + " at byte 8 is not one this allgrad (" +
                   allgrad_version() + ") reads (1.." + std::to_string(kCheckpointFormatVersion) +
                   "); a newer allgrad wrote it?");
  if (h.header_bytes != kHeaderBytes)
    fail(path, "header length " + std::to_string(h.header_bytes) + " at byte 12 is not " + std::to_string(kHeaderBytes) +
                   " as format version 1 requires");
  if (h.flags != 0)
    fail(path, "flags " + std::to_string(h.flags) + " at byte 16 name features this allgrad does not know");
  uint32_t reader_archive = writer_archive_version();
  if (h.archive_version == 0 || h.archive_version > reader_archive)
    fail(path, "Boost archive version " + std::to_string(h.archive_version) + " at byte 36 is newer than this build reads (" +
                   std::to_string(reader_archive) + "); it was written with a newer Boost.Serialization");
  uint64_t after_header = file_bytes - kHeaderBytes;
  if (h.payload_bytes != after_header)
    fail(path, "header says the payload is " + std::to_string(h.payload_bytes) + " bytes but " +
                   std::to_string(after_header) + " follow the header (" +
                   (h.payload_bytes > after_header ? "truncated file" : "extra bytes at the end") + ")");
  return h;
}

}  // namespace ag::checkpoint
