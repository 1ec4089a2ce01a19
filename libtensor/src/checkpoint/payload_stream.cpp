// PayloadWriter (buffered, CRC, straight to the fd) and PayloadReader (bounds).
#include "checkpoint/payload_stream.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "checkpoint/crc32c.h"
#include "checkpoint/format.h"

namespace ag::checkpoint {

namespace {
// Buffer for the small pieces (names, shapes, scalars).
constexpr size_t kBufferBytes = 1 << 20;
// Large pieces are checksummed and written in chunks of this size, so the
// write() reads bytes the CRC has just pulled into the cache.
constexpr size_t kChunkBytes = 1 << 20;
}  // namespace

PayloadWriter::PayloadWriter(int fd, std::string target, std::string temp)
    : fd_(fd), target_(std::move(target)), temp_(std::move(temp)), buf_(kBufferBytes) {
  setp(buf_.data(), buf_.data() + buf_.size());
}

void PayloadWriter::emit(const char* p, size_t n) {
  while (n > 0) {
    size_t chunk = std::min(n, kChunkBytes);
    crc_ = crc32c(p, chunk, crc_);
    size_t done = 0;
    while (done < chunk) {
      ssize_t w = ::write(fd_, p + done, chunk - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        int e = w < 0 ? errno : EIO;
        fail(target_, "cannot write temporary file '" + temp_ + "' at byte " + std::to_string(kHeaderBytes + written_ + done) +
                          ": " + std::strerror(e));
      }
      done += static_cast<size_t>(w);
    }
    written_ += chunk;
    p += chunk;
    n -= chunk;
  }
}

void PayloadWriter::flush_buffer() {
  size_t n = static_cast<size_t>(pptr() - pbase());
  setp(buf_.data(), buf_.data() + buf_.size());  // before emit: a throw leaves the writer consistent
  emit(buf_.data(), n);
}

PayloadWriter::int_type PayloadWriter::overflow(int_type c) {
  flush_buffer();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

std::streamsize PayloadWriter::xsputn(const char* s, std::streamsize n) {
  size_t len = static_cast<size_t>(n);
  size_t room = static_cast<size_t>(epptr() - pptr());
  if (len <= room) {
    std::memcpy(pptr(), s, len);
    pbump(static_cast<int>(len));
    return n;
  }
  flush_buffer();
  if (len >= kBufferBytes / 4) {
    emit(s, len);  // large: straight from the caller's memory
  } else {
    std::memcpy(pptr(), s, len);
    pbump(static_cast<int>(len));
  }
  return n;
}

void PayloadWriter::finish() { flush_buffer(); }

PayloadReader::PayloadReader(const char* data, uint64_t n, uint64_t base_offset, std::string path)
    : base_(base_offset), path_(std::move(path)) {
  char* p = const_cast<char*>(data);  // the get area is only read
  setg(p, p, p + n);
}

void PayloadReader::fail_here(const std::string& what) const {
  fail(path_, what + " at byte " + std::to_string(file_offset()));
}

void PayloadReader::require(uint64_t n, const std::string& what) const {
  if (n > remaining())
    fail_here(what + " needs " + std::to_string(n) + " bytes but " + std::to_string(remaining()) +
              " remain in the file (truncated or corrupt)");
}

const char* PayloadReader::take(uint64_t n, const std::string& what) {
  require(n, what);
  char* p = gptr();
  setg(eback(), p + n, egptr());  // not gbump: n may exceed INT_MAX
  return p;
}

}  // namespace ag::checkpoint
