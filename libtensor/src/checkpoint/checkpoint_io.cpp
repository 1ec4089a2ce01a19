// save_checkpoint, load_checkpoint, read_checkpoint_header, verify_checkpoint.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/archive/archive_exception.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "ag/checkpoint.h"
#include "ag/regular_file.h"
#include "checkpoint/archive.h"
#include "checkpoint/atomic_file.h"
#include "checkpoint/checkpoint_io.h"
#include "checkpoint/crc32c.h"
#include "checkpoint/format.h"

#ifndef AG_VERSION_STRING
#define AG_VERSION_STRING "unknown"
#endif

namespace ag {

CheckpointError::CheckpointError(std::string path, std::string reason)
    : std::runtime_error("checkpoint '" + path + "': " + reason), path_(std::move(path)), reason_(std::move(reason)) {}

const char* allgrad_version() { return AG_VERSION_STRING; }

const StateDict& Checkpoint::section(const std::string& name) const {
  auto it = sections.find(name);
  if (it != sections.end()) return it->second;
  std::string have;
  for (const auto& [n, d] : sections) have += (have.empty() ? "'" : ", '") + n + "'";
  throw std::out_of_range("checkpoint has no section '" + name + "' (it has " + (have.empty() ? "none" : have) + ")");
}

namespace checkpoint {

namespace {

class ReadFile {
 public:
  explicit ReadFile(const std::string& path) : path_(path) {
    std::string problem;
    fd_ = open_regular_file(path, &problem);
    if (fd_ < 0) fail(path, problem);
    struct stat st;
    if (::fstat(fd_, &st) != 0) {
      int err = errno;
      ::close(fd_);
      fail(path, std::string("cannot stat: ") + std::strerror(err));
    }
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~ReadFile() { ::close(fd_); }
  ReadFile(const ReadFile&) = delete;
  ReadFile& operator=(const ReadFile&) = delete;

  uint64_t size() const { return size_; }
  int fd() const { return fd_; }

  CheckpointHeader header() const {
    unsigned char b[kHeaderBytes];
    size_t avail = static_cast<size_t>(std::min<uint64_t>(size_, kHeaderBytes));
    read_exact_at(fd_, b, avail, 0, path_);
    return decode_header(b, avail, size_, path_);
  }

  static void check_crc(const CheckpointHeader& h, uint32_t crc, const std::string& path) {
    if (crc == h.payload_crc32c) return;
    char b[160];
    std::snprintf(b, sizeof b, "payload is corrupt: its CRC-32C is 0x%08x but the header (byte 32) says 0x%08x (bytes %llu..%llu)",
                  crc, h.payload_crc32c, static_cast<unsigned long long>(kHeaderBytes),
                  static_cast<unsigned long long>(h.file_bytes));
    fail(path, b);
  }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

CheckpointMeta stamped(const CheckpointMeta& m) {
  CheckpointMeta out = m;
  if (out.allgrad_version.empty()) out.allgrad_version = allgrad_version();
  if (out.created_unix_ms == 0)
    out.created_unix_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return out;
}

}  // namespace

Checkpoint parse_checkpoint_bytes(const void* data, size_t n, const std::string& name) {
  const auto* b = static_cast<const unsigned char*>(data);
  CheckpointHeader h = decode_header(b, n, n, name);
  ReadFile::check_crc(h, crc32c(b + kHeaderBytes, h.payload_bytes), name);
  PayloadReader in(reinterpret_cast<const char*>(b) + kHeaderBytes, h.payload_bytes, kHeaderBytes, name);
  return read_payload(in, h.archive_version);
}

CheckpointHeader check_checkpoint_integrity(const std::string& path) {
  ReadFile f(path);
  CheckpointHeader h = f.header();
  PayloadReader in(f.fd(), h.payload_bytes, kHeaderBytes, path);
  ReadFile::check_crc(h, in.crc_of_everything(), path);
  return h;
}

}  // namespace checkpoint

using namespace checkpoint;

namespace {

void serialize(const CheckpointMeta& meta, const Checkpoint& ckpt, PayloadWriter& out, const std::string& path) {
  try {
    write_payload(meta, ckpt.sections, out);
  } catch (const boost::archive::archive_exception& e) {
    fail(path, std::string("cannot serialize (Boost.Serialization: ") + e.what() + ")");
  }
  out.finish();
}

}  // namespace

void save_checkpoint(const Checkpoint& ckpt, const std::string& path) {
  const CheckpointMeta meta = stamped(ckpt.meta);
  // A dry run sizes the file (it touches no tensor data), so the disk space is
  // reserved before the real pass writes anything.
  PayloadWriter size_only(-1, path, "");
  serialize(meta, ckpt, size_only, path);
  AtomicFile file(path);
  file.preallocate(kHeaderBytes + size_only.position());
  if (::lseek(file.fd(), static_cast<off_t>(kHeaderBytes), SEEK_SET) < 0)
    fail(path, "cannot seek in temporary file '" + file.temp_path() + "': " + std::strerror(errno));
  PayloadWriter out(file.fd(), path, file.temp_path());
  serialize(meta, ckpt, out, path);
  if (out.position() != size_only.position())
    fail(path, "internal error: the payload came out " + std::to_string(out.position()) + " bytes, the dry run said " +
                   std::to_string(size_only.position()));
  CheckpointHeader h;
  h.format_version = kCheckpointFormatVersion;
  h.payload_bytes = out.position();
  h.payload_crc32c = out.crc();
  h.archive_version = writer_archive_version();
  unsigned char header[kHeaderBytes];
  encode_header(h, header);
  file.write_at(header, kHeaderBytes, 0);
  file.commit();
}

// Note [Streamed load]
// The payload is parsed as it is read: tensor bytes go from the file straight
// into each tensor's own memory (one copy, no payload-sized buffer to fill and
// free), and the CRC runs over every byte as it arrives. So the bytes are
// parsed before they are verified: the parser checks every length against what
// the file holds before it allocates, and whatever goes wrong (a parse error
// included), the rest of the payload is read and its CRC checked first, so a
// corrupt file is reported as corrupt and never returned.
Checkpoint load_checkpoint(const std::string& path) {
  ReadFile f(path);
  CheckpointHeader h = f.header();
  PayloadReader in(f.fd(), h.payload_bytes, kHeaderBytes, path);
  Checkpoint c;
  try {
    c = read_payload(in, h.archive_version);
  } catch (...) {
    ReadFile::check_crc(h, in.crc_of_everything(), path);
    throw;
  }
  ReadFile::check_crc(h, in.crc_of_everything(), path);
  return c;
}

CheckpointHeader read_checkpoint_header(const std::string& path) { return ReadFile(path).header(); }

VerifyResult verify_checkpoint(const std::string& path) {
  try {
    Checkpoint c = load_checkpoint(path);
    size_t tensors = 0;
    uint64_t bytes = 0;
    for (const auto& [name, dict] : c.sections) {
      tensors += dict.tensor_count();
      bytes += dict.tensor_bytes();
    }
    auto count = [](size_t n, const char* noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); };
    return {true, "valid: format " + std::to_string(kCheckpointFormatVersion) + ", " + count(c.sections.size(), "section") +
                      ", " + count(tensors, "tensor") + " (" + human_bytes(bytes) + "), step " +
                      std::to_string(c.meta.global_step)};
  } catch (const CheckpointError& e) {
    return {false, e.reason()};
  } catch (const std::exception& e) {
    return {false, e.what()};
  }
}

}  // namespace ag
