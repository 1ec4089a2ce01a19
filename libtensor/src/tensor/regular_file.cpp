// open_regular_file.
#include "ag/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ag {

namespace {
const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a named pipe (FIFO)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}
}  // namespace

int open_regular_file(const std::string& path, std::string* problem) {
  // Without O_NONBLOCK, opening a FIFO waits for a writer, forever if none comes.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    *problem = std::string("cannot open: ") + std::strerror(err);
    errno = err;
    return -1;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    *problem = std::string("cannot stat: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    *problem = std::string("is ") + kind_of(st.st_mode) + ", not a regular file";
    ::close(fd);
    errno = 0;
    return -1;
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

}  // namespace ag
