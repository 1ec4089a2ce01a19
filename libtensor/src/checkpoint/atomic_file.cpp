// AtomicFile: temp file + fsync + rename + directory fsync (Note [Atomic save]).
#include "checkpoint/atomic_file.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "checkpoint/format.h"
#include "checkpoint/retired_file.h"

namespace ag::checkpoint {

namespace {
std::atomic<uint64_t> temp_counter{0};
constexpr const char* kTempTag = ".tmp-";
}  // namespace

std::string parent_dir(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

bool is_temp_name(const std::string& name, const std::string& base) {
  if (name.size() < 2 || name[0] != '.') return false;
  if (!base.empty()) return name.compare(1, base.size() + 5, base + kTempTag) == 0;
  return name.find(kTempTag) != std::string::npos;
}

void fsync_dir(const std::string& dir, const std::string& for_path) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(for_path, "cannot open directory '" + dir + "' to fsync it: " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  // Some file systems cannot fsync a directory (EINVAL); the rename is then as durable as they make it.
  if (rc != 0 && err != EINVAL) fail(for_path, "fsync of directory '" + dir + "' failed: " + std::strerror(err));
}

AtomicFile::AtomicFile(std::string target) : target_(std::move(target)) {
  std::string dir = parent_dir(target_), base = base_name(target_);
  if (base.empty() || base == "." || base == ".." || base == "/") fail(target_, "not a file name");
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp_ = (dir == "/" ? "" : dir) + "/." + base + kTempTag + std::to_string(::getpid()) + "-" +
            std::to_string(temp_counter.fetch_add(1));
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) return;
    if (errno != EEXIST) break;
  }
  fail_os("create", errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::fail_os(const std::string& what, int err) const {
  fail(target_, "cannot " + what + " temporary file '" + temp_ + "': " + std::strerror(err));
}

void AtomicFile::preallocate(uint64_t n) {
  struct statfs fs;
  if (::fstatfs(fd_, &fs) == 0 && fs.f_type == TMPFS_MAGIC) return;
  if (::fallocate(fd_, 0, 0, static_cast<off_t>(n)) == 0) return;
  if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINTR) return;  // an optimization, not a requirement
  fail_os("reserve " + std::to_string(n) + " bytes for the", errno);
}

void AtomicFile::write_at(const void* data, size_t n, uint64_t offset) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::pwrite(fd_, p, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) fail_os("write", w < 0 ? errno : EIO);
    p += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) fail_os("fsync", errno);
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) fail_os("close", errno);
  // The file being replaced keeps a hidden name, so the rename does not free it
  // on this thread (Note [Retired files]); without the link the rename still works.
  std::string retired = retired_name_for(target_);
  bool keeps_old = ::link(target_.c_str(), retired.c_str()) == 0;
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    int err = errno;
    if (keeps_old) ::unlink(retired.c_str());
    fail(target_, "cannot rename temporary file '" + temp_ + "' over it: " + std::strerror(err));
  }
  committed_ = true;
  if (keeps_old) unlink_in_background(retired);
  fsync_dir(parent_dir(target_), target_);
}

}  // namespace ag::checkpoint
