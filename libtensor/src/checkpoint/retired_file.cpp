// The background unlink queue of Note [Retired files].
#include "checkpoint/retired_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "checkpoint/atomic_file.h"

namespace ag::checkpoint {

namespace {

constexpr const char* kRetiredTag = ".old-";
std::atomic<uint64_t> retired_counter{0};

void unlink_now(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    std::cerr << "allgrad: warning: cannot delete replaced checkpoint '" << path << "': " << std::strerror(errno) << "\n";
}

class Unlinker {
 public:
  ~Unlinker() {
    if (!worker_) return;
    if (owner_ != ::getpid()) {
      (void)worker_.release();  // a forked child: the thread and maybe the mutex's holder are the parent's
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    worker_->join();
  }

  void push(std::string path) {
    // After fork() only the calling thread exists in the child, and the mutex
    // may have been held by the parent's worker at that moment: do not touch it.
    if (owner_ != 0 && owner_ != ::getpid()) return unlink_now(path);
    std::lock_guard<std::mutex> lock(mu_);
    if (!worker_) {
      owner_ = ::getpid();
      worker_ = std::make_unique<std::thread>([this] { run(); });
    }
    queue_.push_back(std::move(path));
    ++queued_;
    wake_.notify_all();
  }

  void hold(int delta) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_ += delta;
    }
    wake_.notify_all();
  }

  void wait() {
    if (owner_ != 0 && owner_ != ::getpid()) return;
    std::unique_lock<std::mutex> lock(mu_);
    uint64_t target = queued_;
    done_cv_.wait(lock, [&] { return done_ >= target; });
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return (stop_ || !queue_.empty()) && held_ == 0; });
      if (queue_.empty()) return;  // stop_ and drained
      std::string path = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      unlink_now(path);
      lock.lock();
      ++done_;
      done_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_, done_cv_;
  std::deque<std::string> queue_;
  uint64_t queued_ = 0, done_ = 0;
  bool stop_ = false;
  int held_ = 0;
  std::atomic<pid_t> owner_{0};
  std::unique_ptr<std::thread> worker_;
};

Unlinker& unlinker() {
  static Unlinker u;
  return u;
}

}  // namespace

std::string retired_name_for(const std::string& path) {
  std::string dir = parent_dir(path);
  return (dir == "/" ? "" : dir) + "/." + base_name(path) + kRetiredTag + std::to_string(::getpid()) + "-" +
         std::to_string(retired_counter.fetch_add(1));
}

std::string retired_base(const std::string& name) {
  if (name.size() < 2 || name[0] != '.') return "";
  size_t tag = name.rfind(kRetiredTag);
  if (tag == std::string::npos || tag < 2) return "";
  // What follows the tag is "<pid>-<n>".
  std::string rest = name.substr(tag + std::strlen(kRetiredTag));
  size_t dash = rest.find('-');
  auto digits = [](const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; };
  if (dash == std::string::npos || !digits(rest.substr(0, dash)) || !digits(rest.substr(dash + 1))) return "";
  return name.substr(1, tag - 1);
}

bool is_retired_name(const std::string& name) { return !retired_base(name).empty(); }

void unlink_in_background(std::string path) { unlinker().push(std::move(path)); }

void wait_for_background_unlinks() { unlinker().wait(); }

HoldBackgroundUnlinks::HoldBackgroundUnlinks() { unlinker().hold(1); }
HoldBackgroundUnlinks::~HoldBackgroundUnlinks() { unlinker().hold(-1); }

}  // namespace ag::checkpoint
