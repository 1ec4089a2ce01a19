// read_file and OutputFile.
#include "file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "ag/regular_file.h"

namespace ag::tools {

namespace {
constexpr size_t kBufferBytes = 1 << 20;
}

std::string read_file(const std::string& path, const std::string& what) {
  auto fail = [&](const std::string& action) {
    throw std::runtime_error(what + " '" + path + "': cannot " + action + ": " + std::strerror(errno));
  };
  std::string problem;
  int fd = open_regular_file(path, &problem);
  if (fd < 0) throw std::runtime_error(what + " '" + path + "': " + problem);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    errno = err;
    fail("stat");
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t r = ::read(fd, out.data() + done, out.size() - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0) errno = EIO;  // shrank while reading
      int err = errno;
      ::close(fd);
      errno = err;
      fail("read");
    }
    done += static_cast<size_t>(r);
  }
  ::close(fd);
  return out;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

OutputFile::OutputFile(std::string path, std::string what) : path_(std::move(path)), what_(std::move(what)) {
  struct stat st;
  if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) {
      errno = EISDIR;
      fail("write");
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) fail("open");
  } else {
    // Beside the target, so the rename stays within one file system.
    const size_t slash = path_.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
    const std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
    for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
      temp_ = dir + "." + base + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(attempt);
      fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ < 0 && errno != EEXIST) break;
    }
    if (fd_ < 0) fail("create a temporary file next to");
  }
  buf_.reserve(kBufferBytes);
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void OutputFile::fail(const std::string& action) const {
  throw std::runtime_error(what_ + " '" + path_ + "': cannot " + action + ": " + std::strerror(errno));
}

void OutputFile::write_fd(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = EIO;
      fail("write");
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void OutputFile::flush() {
  write_fd(buf_.data(), buf_.size());
  buf_.clear();
}

void OutputFile::write(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  position_ += n;
  if (buf_.size() + n <= kBufferBytes) {
    buf_.insert(buf_.end(), p, p + n);
    return;
  }
  flush();
  if (n >= kBufferBytes / 4) write_fd(p, n);
  else buf_.insert(buf_.end(), p, p + n);
}

void OutputFile::commit() {
  flush();
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) fail("close");
  if (!temp_.empty() && ::rename(temp_.c_str(), path_.c_str()) != 0) fail("rename the temporary file to");
  committed_ = true;
}

}  // namespace ag::tools
