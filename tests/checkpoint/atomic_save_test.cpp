// Atomic save: a save killed with SIGKILL, or failing for lack of space,
// leaves the previous checkpoint valid and still the latest.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "ag/checkpoint.h"
#include "checkpoint_test_util.h"

using namespace ag;
using ag::testing::bitwise_equal;
using ag::testing::sample_checkpoint;
using ag::testing::ScratchDir;
namespace fs = std::filesystem;

namespace {

// A checkpoint big enough (32 MB) that a save takes long enough to be interrupted.
Checkpoint big_checkpoint(int64_t step, float value) {
  Checkpoint c = sample_checkpoint(step);
  c.sections["model"].set_tensor("big", full({8, 1000, 1000}, value));
  return c;
}

std::vector<std::string> temp_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename();
    if (name.find(".tmp-") != std::string::npos) out.push_back(name);
  }
  return out;
}

// Forks a child that runs `body` until killed; returns its pid.
template <class Fn> pid_t spawn(Fn&& body) {
  pid_t pid = fork();
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      _exit(3);
    }
    _exit(0);
  }
  return pid;
}

// Waits until a temporary file appears in `dir` (a save is in progress), up to 20 s.
bool wait_for_temp(const std::string& dir) {
  for (int i = 0; i < 20000; ++i) {
    if (!temp_files(dir).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace

TEST(AtomicSave, KilledMidSaveLeavesThePreviousCheckpointLatestAndLoadable) {
  // Built before fork: the child only writes (no tensor ops, no thread pools).
  std::vector<Checkpoint> ckpts;
  for (int64_t step = 1; step <= 40; ++step) ckpts.push_back(big_checkpoint(step * 100, static_cast<float>(step)));
  int killed_mid_write = 0;
  for (int delay_ms : {0, 3, 15}) {
    ScratchDir dir;
    CheckpointDir cd(dir.path(), /*keep=*/2);
    cd.save(ckpts[0]);
    pid_t pid = spawn([&] {
      for (size_t i = 1; i < ckpts.size(); ++i) cd.save(ckpts[i]);
      pause();  // never finish before the kill
    });
    ASSERT_TRUE(wait_for_temp(dir.path())) << "the child never started a save";
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    killed_mid_write += !temp_files(dir.path()).empty();

    std::optional<LatestCheckpoint> latest = cd.latest();
    ASSERT_TRUE(latest.has_value());
    EXPECT_TRUE(latest->skipped.empty()) << latest->warning();
    EXPECT_EQ(latest->path.find(".tmp-"), std::string::npos);
    Checkpoint back = load_checkpoint(latest->path);
    EXPECT_EQ(back.meta.global_step, latest->step);
    size_t index = static_cast<size_t>(latest->step / 100 - 1);
    EXPECT_TRUE(bitwise_equal(back.section("model").get_tensor("big"), ckpts[index].section("model").get_tensor("big")));
    for (const CheckpointDir::Entry& e : cd.list()) EXPECT_TRUE(verify_checkpoint(e.path).ok) << e.path;

    // The next save cleans the leftover temporary up.
    cd.save(ckpts.back());
    EXPECT_TRUE(temp_files(dir.path()).empty());
  }
  EXPECT_GT(killed_mid_write, 0) << "no kill landed inside a save; the test did not exercise its case";
}

TEST(AtomicSave, KilledWhileOverwritingTheSameFile) {
  Checkpoint a = big_checkpoint(1, 1.0f), b = big_checkpoint(2, 2.0f);
  ScratchDir dir;
  std::string path = dir / "model.agc";
  save_checkpoint(a, path);
  pid_t pid = spawn([&] {
    for (int i = 0;; ++i) save_checkpoint(i % 2 ? a : b, path);
  });
  ASSERT_TRUE(wait_for_temp(dir.path()));
  std::this_thread::sleep_for(std::chrono::milliseconds(25));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  Checkpoint back = load_checkpoint(path);  // always a whole file: the old or the new one
  float v = back.section("model").get_tensor("big").data_ptr<float>()[0];
  EXPECT_TRUE(v == 1.0f || v == 2.0f);
}

// Files may not grow beyond 1 MB in the child: the save fails with EFBIG like
// on a full disk. On most file systems fallocate() fails first, before any
// write; tmpfs skips the fallocate, so there write() itself fails.
class FailedSave : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(AtomicSave, FailedSave, ::testing::Values("", "/dev/shm"),
                         [](const auto& info) { return info.param.empty() ? "tmpdir" : "dev_shm"; });

TEST_P(FailedSave, NamesTheFileAndTheOsErrorAndKeepsThePreviousOne) {
  if (!GetParam().empty() && !fs::is_directory(GetParam())) GTEST_SKIP() << GetParam() << " does not exist here";
  ScratchDir dir(GetParam());
  std::string path = dir / "model.agc";
  Checkpoint old = sample_checkpoint(5);
  save_checkpoint(old, path);
  Checkpoint big = big_checkpoint(6, 6.0f);
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    rlimit lim{1 << 20, 1 << 20};
    setrlimit(RLIMIT_FSIZE, &lim);
    std::string msg = "no exception";
    try {
      save_checkpoint(big, path);
    } catch (const std::exception& e) {
      msg = e.what();
    }
    ssize_t ignored = write(pipefd[1], msg.data(), msg.size());
    (void)ignored;
    _exit(0);
  }
  close(pipefd[1]);
  std::string msg;
  char buf[512];
  for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  waitpid(pid, nullptr, 0);
  EXPECT_NE(msg.find("checkpoint '" + path + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("File too large"), std::string::npos) << msg;
  if (GetParam() == "/dev/shm") {
    EXPECT_NE(msg.find("cannot write temporary file"), std::string::npos) << msg;
  }
  EXPECT_TRUE(temp_files(dir.path()).empty()) << "the temporary was not removed";
  Checkpoint back = load_checkpoint(path);
  EXPECT_EQ(back.meta.global_step, 5);
}

TEST(AtomicSave, UnwritableTargetDirectory) {
  ScratchDir dir;
  std::string path = dir / "no/such/dir/model.agc";
  std::string reason = ag::testing::expect_checkpoint_error([&] { save_checkpoint(sample_checkpoint(), path); }, path);
  EXPECT_NE(reason.find("No such file or directory"), std::string::npos) << reason;
}
