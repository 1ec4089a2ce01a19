// GzipFile: zlib's gz* interface with errors that name the file and the offset.
#include "data/gzip_file.h"

#include <zlib.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "ag/regular_file.h"

namespace ag::data::detail {

namespace {
[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("file '" + path + "': " + what);
}
}  // namespace

GzipFile::GzipFile(const std::string& path) : path_(path) {
  std::string problem;
  int fd = open_regular_file(path, &problem);
  if (fd < 0) fail(path, errno == ENOENT ? "does not exist" : problem);
  auto fail_closing = [&](const std::string& what) {
    ::close(fd);
    fail(path, what);
  };
  struct stat st;
  if (::fstat(fd, &st) != 0) fail_closing(std::string("cannot read its size: ") + std::strerror(errno));
  file_size_ = static_cast<uint64_t>(st.st_size);
  // Peek at the magic bytes and, for gzip, the trailer's ISIZE (little-endian uint32).
  unsigned char magic[2] = {0, 0};
  compressed_ = ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (compressed_ && file_size_ >= 18) {
    unsigned char t[4];
    if (::pread(fd, t, 4, static_cast<off_t>(file_size_ - 4)) == 4)
      declared_length_ = static_cast<uint64_t>(t[0]) | static_cast<uint64_t>(t[1]) << 8 | static_cast<uint64_t>(t[2]) << 16 |
                         static_cast<uint64_t>(t[3]) << 24;
  } else if (!compressed_) {
    declared_length_ = file_size_;
  }
  gzFile gz = gzdopen(fd, "rb");  // owns fd from here on
  if (!gz) fail_closing("cannot open for reading");
  gzbuffer(gz, 1 << 18);
  gz_ = gz;
}

GzipFile::~GzipFile() {
  if (gz_) gzclose_r(static_cast<gzFile>(gz_));
}

size_t GzipFile::read(void* dst, size_t n) {
  auto* out = static_cast<char*>(dst);
  size_t total = 0;
  while (total < n) {
    const auto chunk = static_cast<unsigned>(std::min<size_t>(n - total, 1u << 30));
    int r = gzread(static_cast<gzFile>(gz_), out + total, chunk);
    if (r < 0 || (r == 0 && compressed_)) {
      int errnum = Z_OK;
      const char* msg = gzerror(static_cast<gzFile>(gz_), &errnum);
      if (r < 0 || (errnum != Z_OK && errnum != Z_STREAM_END)) {
        std::string why = errnum == Z_BUF_ERROR ? "compressed data is truncated" : std::string("corrupt gzip data (") + msg + ")";
        fail(path_, why + " after " + std::to_string(offset_ + total) + " bytes of uncompressed data");
      }
    }
    if (r == 0) break;
    total += static_cast<size_t>(r);
  }
  offset_ += total;
  return total;
}

std::string GzipFile::read_all() {
  std::string out;
  if (declared_length_ && !compressed_) out.reserve(static_cast<size_t>(*declared_length_));
  char buf[1 << 16];
  for (;;) {
    size_t got = read(buf, sizeof buf);
    out.append(buf, got);
    if (got < sizeof buf) break;
  }
  return out;
}

}  // namespace ag::data::detail
