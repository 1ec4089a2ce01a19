// The abort watcher (launcher_watch.h).
#include "launcher_watch.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <string>

namespace ag::dist::detail {

namespace {
bool is_open_mpi_launcher(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(f, name);
  for (const char* n : {"mpirun", "mpiexec", "orterun", "orted", "prterun", "prted"})
    if (name == n) return true;
  return false;
}

int64_t now_ms() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return int64_t{t.tv_sec} * 1000 + t.tv_nsec / 1000000;
}

// Waits until the process behind `pidfd` exits or `ms` pass; true if it exited.
bool exits_within(int pidfd, int64_t ms) {
  const int64_t end = now_ms() + ms;
  for (int64_t left = ms; left > 0; left = end - now_ms()) {
    pollfd p{pidfd, POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n == 0) return false;  // else interrupted: wait for the rest
  }
  return false;
}
}  // namespace

void end_launcher_if_abort_stalls(std::chrono::seconds grace) {
  const pid_t launcher = getppid();
  if (!is_open_mpi_launcher(launcher)) return;
  // A pidfd names this very process: no signal can reach another one that reused its pid.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, launcher, 0));
  if (pidfd < 0) return;
  if (getppid() != launcher) {  // it went between the two calls
    close(pidfd);
    return;
  }
  std::fprintf(stderr, "allgrad: if the abort has not ended the job in %lld s, pid %d (its launcher on this node) gets SIGTERM\n",
               static_cast<long long>(grace.count()), static_cast<int>(launcher));
  std::fflush(stderr);
  const pid_t child = fork();
  if (child != 0) {  // this rank (also when fork failed): on to MPI_Abort
    close(pidfd);
    return;
  }
  // The watcher. The rank has other threads, so only async-signal-safe calls from
  // here on. It leaves the rank's process group and ignores the stop signals: while
  // it aborts the job, Open MPI signals each rank's whole group (SIGTERM, then SIGKILL
  // a second later), also when it is stuck on a lost daemon afterwards; and the
  // rank's own SIGTERM handler, inherited, would cut the wait short (measured: the
  // watcher then ended a still-working mpirun 1 s into its abort).
  // It holds none of the rank's files: Open MPI counts a process as ended only once
  // its stdout and stderr are closed, so an inherited pipe would stall the very
  // abort it watches.
  setsid();
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaction(sig, &ignore, nullptr);
  const int null = open("/dev/null", O_RDWR);
  for (int fd = 0; fd <= 2; ++fd) dup2(null, fd);
  const int keep = pidfd > 2 ? pidfd : 3;
  if (keep != pidfd) dup2(pidfd, keep);
  close_range(3, static_cast<unsigned>(keep) - 1, 0);
  close_range(static_cast<unsigned>(keep) + 1, ~0U, 0);
  const int64_t grace_ms = std::chrono::duration_cast<std::chrono::milliseconds>(grace).count();
  if (!exits_within(keep, grace_ms)) {
    syscall(SYS_pidfd_send_signal, keep, SIGTERM, nullptr, 0);
    if (!exits_within(keep, 5000)) syscall(SYS_pidfd_send_signal, keep, SIGKILL, nullptr, 0);
  }
  _exit(0);
}

}  // namespace ag::dist::detail
