// A CheckpointDir save that fails for lack of space: the previous checkpoint
// stays valid and the latest (the keep policy deletes nothing before a new file
// is in place), no temporary is left, and the state in memory is unharmed, so
// the same save succeeds once there is room.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "ag/checkpoint.h"
#include "checkpoint_test_util.h"

using namespace ag;
using ag::testing::bitwise_equal;
using ag::testing::sample_checkpoint;
using ag::testing::ScratchDir;

namespace {

// Runs `body` in a child process (the file-size limit must not touch the test
// runner); returns what it reported, or a description of how it died.
template <typename Fn>
std::string in_child(Fn&& body) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    std::string report;
    try {
      report = body();
    } catch (const std::exception& e) {
      report = std::string("unexpected exception: ") + e.what();
    }
    ssize_t ignored = write(pipefd[1], report.data(), report.size());
    (void)ignored;
    _exit(0);
  }
  close(pipefd[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) out += " (child killed by signal " + std::to_string(WTERMSIG(status)) + ")";
  return out;
}

}  // namespace

TEST(CheckpointDirFailedSave, KeepsThePreviousAndTheStateSavesLater) {
  ScratchDir dir;
  // Tensors are made before the fork: the child of a process whose kernel threads
  // have started may only do I/O (the threads are not there to run its loops).
  CheckpointDir cd(dir.path(), /*keep=*/1);
  cd.save(sample_checkpoint(5));
  Checkpoint next = sample_checkpoint(6);
  next.sections["model"].set_tensor("big", full({256, 1024}, 6.0f));  // 1 MiB
  const Tensor before = next.sections["model"].get_tensor("big").clone();
  std::string report = in_child([&]() -> std::string {
    signal(SIGXFSZ, SIG_IGN);  // write() then fails with EFBIG, as on a full disk
    rlimit lim{};
    getrlimit(RLIMIT_FSIZE, &lim);
    rlimit small = lim;
    small.rlim_cur = 256 * 1024;
    setrlimit(RLIMIT_FSIZE, &small);
    std::string error;
    try {
      cd.save(next);
      return "the save over the limit succeeded";
    } catch (const CheckpointError& e) {
      error = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &lim);  // room again
    if (error.find(cd.path_for_step(6)) == std::string::npos || error.find("File too large") == std::string::npos)
      return "unclear error: " + error;
    for (const auto& e : std::filesystem::directory_iterator(dir.path()))
      if (e.path().filename().string() != "ckpt-000005.agc" && e.path().filename().string() != ".allgrad-lock")
        return "left behind: " + e.path().filename().string();
    auto latest = cd.latest();
    if (!latest || latest->step != 5) return "the latest is not step 5 after the failed save";
    if (!bitwise_equal(next.sections["model"].get_tensor("big"), before)) return "the failed save changed the state";
    std::string path = cd.save(next);  // the same state, now with room
    if (load_checkpoint(path).meta.global_step != 6 || cd.latest()->step != 6) return "the retried save is not the latest";
    if (std::filesystem::exists(cd.path_for_step(5))) return "keep=1 did not delete step 5 after the retry";
    return "ok";
  });
  EXPECT_EQ(report, "ok");
}
