// ensure_standard_fds and flush_or_throw.
#include "standard_streams.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ag::tools {

void ensure_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open() returns the lowest free number, which is `fd` itself: the lower ones are open by now.
    int got = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (got >= 0 && got != fd) {
      ::dup2(got, fd);
      ::close(got);
    }
  }
}

void write_or_throw(std::FILE* f, const std::string& text, const std::string& what) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) {
    const int err = errno != 0 ? errno : EIO;
    std::clearerr(f);
    if (err == EPIPE) return;
    throw std::runtime_error("cannot write " + what + ": " + std::strerror(err));
  }
  flush_or_throw(f, what);
}

void flush_or_throw(std::FILE* f, const std::string& what) {
  errno = 0;
  const bool flushed = std::fflush(f) == 0;
  const int err = errno;
  if (flushed && !std::ferror(f)) return;
  std::clearerr(f);
  if (!flushed && err == EPIPE) return;
  // A write that failed before (and was not checked) left the error flag set but not its errno.
  throw std::runtime_error("cannot write " + what + ": " + (flushed ? std::string("an earlier write to it failed") : std::strerror(err)));
}

}  // namespace ag::tools
