// CheckpointDir (ckpt-<step>.agc files, keep the newest K, find the latest
// valid one), resolve_checkpoint_path and ensure_writable_dir.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "ag/checkpoint.h"
#include "checkpoint/atomic_file.h"
#include "checkpoint/checkpoint_io.h"
#include "checkpoint/format.h"
#include "checkpoint/retired_file.h"

namespace ag {

using namespace checkpoint;

namespace {

constexpr const char* kPrefix = "ckpt-";
constexpr const char* kSuffix = ".agc";

// The step of a name that is exactly ckpt-<digits>.agc, or -1.
int64_t step_of(const std::string& name) {
  const size_t pre = std::strlen(kPrefix), suf = std::strlen(kSuffix);
  if (name.size() <= pre + suf || name.compare(0, pre, kPrefix) != 0 ||
      name.compare(name.size() - suf, suf, kSuffix) != 0)
    return -1;
  std::string digits = name.substr(pre, name.size() - pre - suf);
  if (digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::stoll(digits);
}

std::string join(const std::string& dir, const std::string& name) {
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

// Names in `dir`; empty when it does not exist.
std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    fail(dir, std::string("cannot list directory: ") + std::strerror(errno));
  }
  while (dirent* e = ::readdir(d)) out.emplace_back(e->d_name);
  ::closedir(d);
  return out;
}

void warn(const std::string& msg) { std::cerr << "allgrad: warning: " << msg << "\n"; }

}  // namespace

std::string LatestCheckpoint::warning() const {
  if (skipped.empty()) return "";
  std::string msg = "skipped " + std::to_string(skipped.size()) + " newer invalid checkpoint" +
                    (skipped.size() > 1 ? "s" : "") + " (";
  for (size_t i = 0; i < skipped.size(); ++i) msg += (i ? "; " : "") + skipped[i];
  return msg + "); using " + path;
}

CheckpointDir::CheckpointDir(std::string dir, int keep) : dir_(std::move(dir)), keep_(keep) {
  if (dir_.empty()) throw std::invalid_argument("CheckpointDir: empty directory name");
  if (keep < 0) throw std::invalid_argument("CheckpointDir: keep must be >= 0 (0 keeps all), got " + std::to_string(keep));
}

std::string CheckpointDir::path_for_step(int64_t step) const {
  if (step < 0) throw std::invalid_argument("CheckpointDir: negative step " + std::to_string(step));
  char name[48];
  std::snprintf(name, sizeof name, "%s%06lld%s", kPrefix, static_cast<long long>(step), kSuffix);
  return join(dir_, name);
}

std::vector<CheckpointDir::Entry> CheckpointDir::list() const {
  std::vector<Entry> out;
  for (const std::string& name : names_in(dir_)) {
    int64_t step = step_of(name);
    if (step >= 0) out.push_back({step, join(dir_, name)});
  }
  // Two names can carry one step (ckpt-5.agc, ckpt-000005.agc): order them by name too.
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    return a.step != b.step ? a.step < b.step : a.path < b.path;
  });
  return out;
}

std::string CheckpointDir::save(const Checkpoint& ckpt) const {
  lock();  // creates the directory too
  ensure_writable_dir(dir_);
  std::string path = path_for_step(ckpt.meta.global_step);
  save_checkpoint(ckpt, path);
  // The new file is durable (Note [Atomic save]); only now may older ones go.
  std::vector<Entry> all = list();
  if (keep_ > 0 && all.size() > static_cast<size_t>(keep_)) {
    for (size_t i = 0; i + static_cast<size_t>(keep_) < all.size(); ++i) {
      if (all[i].path == path) continue;
      // Out of sight now, its storage freed in the background (Note [Retired files]).
      std::string retired = retired_name_for(all[i].path);
      if (::rename(all[i].path.c_str(), retired.c_str()) == 0) unlink_in_background(retired);
      else if (errno != ENOENT && ::unlink(all[i].path.c_str()) != 0 && errno != ENOENT)
        warn("cannot delete old checkpoint '" + all[i].path + "': " + std::strerror(errno));
    }
  }
  // Left by a save that was killed, or a process that exited before releasing them.
  for (const CheckpointLeftover& l : leftovers()) ::unlink(l.path.c_str());
  for (const std::string& name : names_in(dir_))
    if (step_of(retired_base(name)) >= 0) unlink_in_background(join(dir_, name));
  return path;
}

std::optional<LatestCheckpoint> CheckpointDir::latest() const {
  std::vector<Entry> all = list();
  LatestCheckpoint found;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    try {
      check_checkpoint_integrity(it->path);
      found.path = it->path;
      found.step = it->step;
      return found;
    } catch (const CheckpointError& e) {
      found.skipped.push_back(base_name(it->path) + ": " + e.reason());
    }
  }
  if (!found.skipped.empty()) {
    std::string msg = "no valid checkpoint (";
    for (size_t i = 0; i < found.skipped.size(); ++i) msg += (i ? "; " : "") + found.skipped[i];
    fail(dir_, msg + ")");
  }
  return std::nullopt;
}

std::string resolve_checkpoint_path(const std::string& path, std::string* warning) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) fail(path, std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return path;
  std::optional<LatestCheckpoint> latest = CheckpointDir(path).latest();
  if (!latest) fail(path, "directory holds no checkpoint (no file named ckpt-<step>.agc)");
  std::string w = latest->warning();
  if (!w.empty()) {
    if (warning) *warning = w;
    else warn(w);
  }
  return latest->path;
}

void ensure_writable_dir(const std::string& dir) {
  if (dir.empty()) fail(dir, "empty directory name");
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) fail(dir, "exists but is not a directory");
  } else if (errno == ENOTDIR) {
    fail(dir, "cannot create directory: a component of the path is not a directory");
  } else if (errno != ENOENT) {
    fail(dir, std::string("cannot access directory: ") + std::strerror(errno));
  } else {
    std::string parent = parent_dir(dir);
    if (::stat(parent.c_str(), &st) != 0)
      fail(dir, "cannot create directory: its parent '" + parent + "' " +
                    (errno == ENOENT ? "does not exist" : std::string("is not accessible: ") + std::strerror(errno)));
    if (!S_ISDIR(st.st_mode)) fail(dir, "cannot create directory: its parent '" + parent + "' is not a directory");
    if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
      fail(dir, std::string("cannot create directory: ") + std::strerror(errno));
  }
  // access() would say yes to root on a read-only mount; creating a file is the real test.
  std::string probe = join(dir, ".allgrad-write-test-" + std::to_string(::getpid()));
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    ::unlink(probe.c_str());
    fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (fd < 0) fail(dir, std::string("directory is not writable: ") + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace ag
