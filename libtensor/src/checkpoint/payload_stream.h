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

/// Reads exactly `n` bytes of file `path` at `offset` (pread, retried on short
/// reads and EINTR); a read error or an early end throws CheckpointError with
/// the byte offset.
void read_exact_at(int fd, void* dst, size_t n, uint64_t offset, const std::string& path);

/// Reads a payload, from memory or straight from a file. The archive reads
/// small pieces through the streambuf interface (from a small window when
/// reading a file); tensor bytes go by read_into() from the file into the
/// tensor's own memory. The records ask require() first, so every length is
/// checked against the bytes that remain before anything is allocated.
/// From a file, every byte passes through the CRC as it is read: the payload is
/// parsed before it is verified, and load_checkpoint checks the CRC at the end
/// (Note [Streamed load]).
class PayloadReader : public std::streambuf {
 public:
  /// `data` holds `n` payload bytes that start at `base_offset` in file `path`.
  PayloadReader(const char* data, uint64_t n, uint64_t base_offset, std::string path);
  /// The `n` payload bytes at `base_offset` of the open file `fd`, named `path`.
  PayloadReader(int fd, uint64_t n, uint64_t base_offset, std::string path);
  /// File offset of the next byte.
  uint64_t file_offset() const { return base_ + consumed(); }
  /// Bytes not yet read.
  uint64_t remaining() const { return size_ - consumed(); }
  /// Throws CheckpointError unless `n` more bytes remain; `what` names what needs them.
  void require(uint64_t n, const std::string& what) const;
  /// Copies the next `n` bytes to `dst` and moves past them (after require).
  void read_into(void* dst, uint64_t n, const std::string& what);
  /// The next `n` bytes as a string (after require).
  std::string read_string(uint64_t n, const std::string& what);
  /// Reading a file: reads whatever is left unread (after an error, or trailing
  /// bytes, or all of it when nothing was parsed) and returns the CRC-32C of
  /// all the payload's bytes.
  uint32_t crc_of_everything();
  /// The file, for messages.
  const std::string& path() const { return path_; }
  /// Throws CheckpointError "<what> at byte <file_offset>".
  [[noreturn]] void fail_here(const std::string& what) const;

 protected:
  int_type underflow() override;

 private:
  uint64_t consumed() const { return fetched_ - static_cast<uint64_t>(egptr() - gptr()); }
  // Reads `n` bytes at payload offset fetched_ into dst, through the CRC.
  void fetch(char* dst, size_t n);

  int fd_ = -1;  // -1: the payload is in memory
  uint64_t size_ = 0, base_ = 0;
  uint64_t fetched_ = 0;  // bytes taken from the file (or all of them, in memory)
  uint32_t crc_ = 0;
  std::vector<char> window_;
  std::string path_;
};

}  // namespace ag::checkpoint
