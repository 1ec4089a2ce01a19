// CheckpointDirLock, and the leftovers of writers that died during a save.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "ag/checkpoint.h"
#include "checkpoint/atomic_file.h"
#include "checkpoint/format.h"

namespace ag {

using namespace checkpoint;

namespace {

constexpr const char* kLockName = ".allgrad-lock";

std::string lock_path(const std::string& dir) { return dir + (dir.back() == '/' ? "" : "/") + kLockName; }

// "host pid" as the holder wrote it, or "" when unreadable.
std::string holder_of(int fd) {
  char buf[300];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "";
  std::string s(buf, static_cast<size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The pid in a temporary's name ".<base>.tmp-<pid>-<n>", or -1.
int64_t temp_pid(const std::string& name) {
  size_t at = name.rfind(".tmp-");
  if (at == std::string::npos) return -1;
  int64_t pid = 0;
  size_t i = at + 5;
  for (; i < name.size() && name[i] >= '0' && name[i] <= '9' && pid < (int64_t{1} << 40); ++i) pid = pid * 10 + (name[i] - '0');
  return i > at + 5 && i < name.size() && name[i] == '-' ? pid : -1;
}

// The pid of the writer that holds the directory's lock now, or -1 when nobody does.
int64_t lock_holder_pid(const std::string& dir) {
  int fd = ::open(lock_path(dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int64_t pid = -1;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    std::string h = holder_of(fd);
    size_t sp = h.rfind(' ');
    pid = sp == std::string::npos ? -1 : std::atoll(h.c_str() + sp + 1);
  }
  ::close(fd);  // releases the probe's shared lock, if it got one
  return pid;
}

bool running_here(int64_t pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

}  // namespace

CheckpointDirLock::CheckpointDirLock(const std::string& dir) {
  ensure_writable_dir(dir);
  const std::string path = lock_path(dir);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0) fail(dir, std::string("cannot open lock file '") + kLockName + "': " + std::strerror(errno));
  // A moment's patience: `allgrad inspect` probes the lock with a shared one.
  for (int attempt = 0;; ++attempt) {
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) break;
    if (errno != EWOULDBLOCK || attempt == 20) {
      const int err = errno;
      const std::string holder = holder_of(fd_);
      ::close(fd_);
      if (err != EWOULDBLOCK) fail(dir, std::string("cannot lock '") + kLockName + "': " + std::strerror(err));
      const size_t sp = holder.rfind(' ');
      fail(dir, "is in use by another run (" +
                    (sp == std::string::npos ? std::string("holder unknown")
                                             : "host " + holder.substr(0, sp) + ", pid " + holder.substr(sp + 1)) +
                    "); one run writes a checkpoint directory at a time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  char host[256] = "unknown";
  ::gethostname(host, sizeof host - 1);
  const std::string me = std::string(host) + " " + std::to_string(::getpid()) + "\n";
  const bool recorded = ::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, me.data(), me.size(), 0) == static_cast<ssize_t>(me.size());
  (void)recorded;  // who holds it is for messages only: the lock is as good without
}

CheckpointDirLock::~CheckpointDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

std::vector<CheckpointLeftover> CheckpointDir::leftovers() const {
  std::vector<CheckpointLeftover> out;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return out;
  std::vector<std::string> temps;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (is_temp_name(name) && name.rfind(".ckpt-", 0) == 0) temps.push_back(name);
  }
  ::closedir(d);
  if (temps.empty()) return out;
  const int64_t holder = lock_holder_pid(dir_);
  for (const std::string& name : temps) {
    const int64_t pid = temp_pid(name);
    if (pid == holder || running_here(pid)) continue;  // a save in progress, or a live writer's
    const std::string path = dir_ + (dir_.back() == '/' ? "" : "/") + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) continue;
    out.push_back({path, static_cast<uint64_t>(st.st_size), pid});
  }
  return out;
}

void CheckpointDir::lock() const {
  if (lock_) return;
  lock_ = std::make_shared<CheckpointDirLock>(dir_);
  for (const CheckpointLeftover& l : leftovers()) ::unlink(l.path.c_str());
}

}  // namespace ag
