// CheckpointDir's lock: one writer per directory, released by the kernel when the
// holder dies; temporaries of killed saves are reported and removed, those of a live
// writer never.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ag/checkpoint.h"
#include "checkpoint_test_util.h"

using namespace ag;
using ag::testing::sample_checkpoint;
namespace fs = std::filesystem;

namespace {

std::string hostname() {
  char h[256] = "";
  gethostname(h, sizeof h - 1);
  return h;
}

// The pid of a child that has exited and been reaped: no process of that id runs now.
pid_t dead_pid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

void touch(const std::string& path, size_t bytes) { std::ofstream(path) << std::string(bytes, 'x'); }

}  // namespace

TEST(CheckpointDirLock, ASecondWriterIsRefusedNamingTheHolder) {
  ag::testing::ScratchDir dir;
  CheckpointDir a(dir.path() + "/ck"), b(dir.path() + "/ck");
  a.save(sample_checkpoint(1));
  try {
    b.save(sample_checkpoint(2));
    FAIL() << "two writers saved into one directory";
  } catch (const CheckpointError& e) {
    const std::string want = "is in use by another run (host " + hostname() + ", pid " + std::to_string(getpid()) + ")";
    EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(b.path_for_step(2)));
}

TEST(CheckpointDirLock, ReleasedWhenTheWriterGoesOrDies) {
  ag::testing::ScratchDir dir;
  const std::string ck = dir.path() + "/ck";
  {
    CheckpointDir a(ck);
    a.lock();
  }
  CheckpointDirLock again(ck);  // the object's end released it
  // A process killed while it holds the lock: the kernel releases it.
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const std::string ck2 = dir.path() + "/ck2";
  pid_t child = fork();
  if (child == 0) {
    CheckpointDirLock held(ck2);
    if (write(ready[1], "x", 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  EXPECT_THROW(CheckpointDirLock{ck2}, CheckpointError);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_NO_THROW(CheckpointDirLock{ck2});
  close(ready[0]);
  close(ready[1]);
}

TEST(CheckpointDirLock, LeftoversOfDeadWritersAreListedAndRemovedOthersKept) {
  ag::testing::ScratchDir dir;
  const std::string ck = dir.path() + "/ck";
  fs::create_directory(ck);
  const std::string dead = ck + "/.ckpt-000007.agc.tmp-" + std::to_string(dead_pid()) + "-0";
  const std::string live = ck + "/.ckpt-000008.agc.tmp-" + std::to_string(getppid()) + "-0";
  touch(dead, 1000);
  touch(live, 10);
  CheckpointDir d(ck);
  std::vector<CheckpointLeftover> left = d.leftovers();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].path, dead);
  EXPECT_EQ(left[0].bytes, 1000u);
  d.lock();  // a writer starting up removes them
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live)) << "a live process's temporary was removed";
  // The holder's own temporaries are a save in progress, not leftovers.
  const std::string mine = ck + "/.ckpt-000009.agc.tmp-" + std::to_string(getpid()) + "-0";
  touch(mine, 10);
  EXPECT_TRUE(d.leftovers().empty());
}
