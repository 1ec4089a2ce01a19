// The byte streams under the Boost archive: a writer that sends the payload to
// a file descriptor in large chunks while computing its CRC, and a reader over
// the payload in memory that knows how many bytes remain.
#pragma once
#include <cstdint>
#include <streambuf>
#include <string>
#include <vector>

namespace ag::checkpoint {

/// Writes the payload to `fd` (positioned where the payload starts): small
/// pieces are gathered in a buffer, large ones (tensor data) go straight from
/// the caller's memory; every byte passes through the CRC on its way.
/// Write errors throw CheckpointError naming `target`, `temp` and the OS error.
/// With fd < 0 it only counts bytes (a dry run that sizes the file).
class PayloadWriter : public std::streambuf {
 public:
  PayloadWriter(int fd, std::string target, std::string temp);
  /// True for a dry run: nothing is read from the pieces or written.
  bool counting() const { return fd_ < 0; }
  /// Bytes accepted so far (buffered or written).
  uint64_t position() const { return written_ + static_cast<uint64_t>(pptr() - pbase()); }
  /// Writes what is buffered. Call once, after the archive is done.
  void finish();
  /// CRC-32C of every byte accepted (valid after finish()).
  uint32_t crc() const { return crc_; }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  /// Never flushes and never throws: Boost may call it while unwinding after an
  /// error, and a second error there would terminate the process.
  int sync() override { return 0; }

 private:
  void flush_buffer();
  void emit(const char* p, size_t n);

  int fd_;
  std::string target_, temp_;
  std::vector<char> buf_;
  uint64_t written_ = 0;
  uint64_t synced_ = 0;  // bytes handed to writeback with sync_file_range
  uint32_t crc_ = 0;
};

/// Reads a payload held in memory. The archive reads through the streambuf
/// interface; the records ask require()/take() first, so every length is
/// checked against the bytes that remain before anything is allocated.
class PayloadReader : public std::streambuf {
 public:
  /// `data` holds `n` payload bytes that start at `base_offset` in file `path`.
  PayloadReader(const char* data, uint64_t n, uint64_t base_offset, std::string path);
  /// File offset of the next byte.
  uint64_t file_offset() const { return base_ + static_cast<uint64_t>(gptr() - eback()); }
  /// Bytes not yet read.
  uint64_t remaining() const { return static_cast<uint64_t>(egptr() - gptr()); }
  /// Throws CheckpointError unless `n` more bytes remain; `what` names what needs them.
  void require(uint64_t n, const std::string& what) const;
  /// Returns the next `n` bytes in place and moves past them (after require).
  const char* take(uint64_t n, const std::string& what);
  /// The file, for messages.
  const std::string& path() const { return path_; }
  /// Throws CheckpointError "<what> at byte <file_offset>".
  [[noreturn]] void fail_here(const std::string& what) const;

 private:
  uint64_t base_;
  std::string path_;
};

}  // namespace ag::checkpoint
