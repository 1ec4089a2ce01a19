// CheckpointDir: names, keep-K, latest (skipping temporaries and corrupt
// files), resolve_checkpoint_path, ensure_writable_dir.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "ag/checkpoint.h"
#include "checkpoint_test_util.h"

using namespace ag;
using ag::testing::expect_checkpoint_error;
using ag::testing::sample_checkpoint;
using ag::testing::ScratchDir;
namespace fs = std::filesystem;

namespace {

std::vector<int64_t> steps(const CheckpointDir& cd) {
  std::vector<int64_t> out;
  for (const auto& e : cd.list()) out.push_back(e.step);
  return out;
}

}  // namespace

TEST(CheckpointDir, NamesAreZeroPaddedSteps) {
  CheckpointDir cd("runs/x", 3);
  EXPECT_EQ(cd.path_for_step(500), "runs/x/ckpt-000500.agc");
  EXPECT_EQ(cd.path_for_step(12345678), "runs/x/ckpt-12345678.agc");
  EXPECT_THROW(cd.path_for_step(-1), std::invalid_argument);
  EXPECT_THROW(CheckpointDir("d", -1), std::invalid_argument);
}

TEST(CheckpointDir, KeepsTheNewestK) {
  ScratchDir dir;
  {
    CheckpointDir cd(dir / "run", 3);  // created on first save
    EXPECT_FALSE(cd.latest().has_value());
    for (int64_t step : {100, 200, 300, 400, 500}) {
      std::string path = cd.save(sample_checkpoint(step));
      EXPECT_EQ(path, cd.path_for_step(step));
    }
    EXPECT_EQ(steps(cd), (std::vector<int64_t>{300, 400, 500}));
    EXPECT_EQ(cd.latest()->step, 500);
  }  // one writer at a time: this one's lock goes with it
  CheckpointDir all(dir / "run", 0);
  for (int64_t step : {600, 700, 800, 900}) all.save(sample_checkpoint(step));
  EXPECT_EQ(steps(all).size(), 7u);
}

TEST(CheckpointDir, ListIgnoresOtherNames) {
  ScratchDir dir;
  CheckpointDir cd(dir.path());
  cd.save(sample_checkpoint(3));
  for (const char* name : {"ckpt-000009.agc.bak", "ckpt-abc.agc", "ckpt-.agc", "xckpt-000010.agc", "notes.txt",
                           ".ckpt-000011.agc.tmp-999999999-0"})
    ag::testing::write_bytes(dir / name, "junk");
  EXPECT_EQ(steps(cd), (std::vector<int64_t>{3}));
  EXPECT_EQ(cd.latest()->step, 3);  // the stray temporary is never a candidate
  cd.save(sample_checkpoint(4));
  EXPECT_FALSE(fs::exists(dir / ".ckpt-000011.agc.tmp-999999999-0"));  // no such process: cleaned after a successful save
  EXPECT_TRUE(fs::exists(dir / "notes.txt"));
}

TEST(CheckpointDir, CorruptNewestFallsBackAndSaysSo) {
  ScratchDir dir;
  CheckpointDir cd(dir.path(), 0);
  cd.save(sample_checkpoint(100));
  cd.save(sample_checkpoint(200));
  std::string newest = cd.save(sample_checkpoint(300));
  std::string bytes = ag::testing::read_bytes(newest);
  ag::testing::write_bytes(newest, bytes.substr(0, bytes.size() / 2));  // a torn file written by something else
  ag::testing::write_bytes(cd.path_for_step(400), "not a checkpoint at all, long enough to have a 64-byte header......");
  std::optional<LatestCheckpoint> latest = cd.latest();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->step, 200);
  ASSERT_EQ(latest->skipped.size(), 2u);
  EXPECT_NE(latest->skipped[0].find("ckpt-000400.agc: not an allgrad checkpoint"), std::string::npos) << latest->skipped[0];
  EXPECT_NE(latest->skipped[1].find("ckpt-000300.agc"), std::string::npos) << latest->skipped[1];
  std::string warning = latest->warning();
  EXPECT_NE(warning.find("using " + cd.path_for_step(200)), std::string::npos) << warning;

  std::string w;
  EXPECT_EQ(resolve_checkpoint_path(dir.path(), &w), cd.path_for_step(200));
  EXPECT_EQ(w, warning);
}

TEST(CheckpointDir, AllCorruptIsAnErrorNotAFreshStart) {
  ScratchDir dir;
  ag::testing::write_bytes(dir / "ckpt-000001.agc", "garbage");
  CheckpointDir cd(dir.path());
  std::string reason = expect_checkpoint_error([&] { cd.latest(); }, dir.path());
  EXPECT_NE(reason.find("no valid checkpoint"), std::string::npos) << reason;
  EXPECT_NE(reason.find("ckpt-000001.agc"), std::string::npos) << reason;
}

TEST(ResolveCheckpointPath, FileDirectoryAndMissing) {
  ScratchDir dir;
  std::string file = dir / "one.agc";
  save_checkpoint(sample_checkpoint(), file);
  EXPECT_EQ(resolve_checkpoint_path(file), file);
  CheckpointDir cd(dir / "run");
  cd.save(sample_checkpoint(10));
  cd.save(sample_checkpoint(20));
  EXPECT_EQ(resolve_checkpoint_path(dir / "run"), cd.path_for_step(20));
  EXPECT_EQ(load_checkpoint(resolve_checkpoint_path(dir / "run")).meta.global_step, 20);
  fs::create_directory(dir / "empty");
  std::string reason = expect_checkpoint_error([&] { resolve_checkpoint_path(dir / "empty"); }, dir / "empty");
  EXPECT_NE(reason.find("no checkpoint"), std::string::npos) << reason;
  reason = expect_checkpoint_error([&] { resolve_checkpoint_path(dir / "nope"); }, dir / "nope");
  EXPECT_NE(reason.find("No such file"), std::string::npos) << reason;
}

TEST(EnsureWritableDir, CreatesWhenTheParentExists) {
  ScratchDir dir;
  ensure_writable_dir(dir / "new");
  EXPECT_TRUE(fs::is_directory(dir / "new"));
  ensure_writable_dir(dir / "new");  // idempotent
  EXPECT_TRUE(fs::is_empty(dir / "new"));  // the probe file is gone
}

TEST(EnsureWritableDir, ClearErrors) {
  ScratchDir dir;
  std::string reason = expect_checkpoint_error([&] { ensure_writable_dir(dir / "a/b"); }, dir / "a/b");
  EXPECT_NE(reason.find("parent '" + dir / "a" + "' does not exist"), std::string::npos) << reason;
  ag::testing::write_bytes(dir / "file", "x");
  reason = expect_checkpoint_error([&] { ensure_writable_dir(dir / "file"); }, dir / "file");
  EXPECT_NE(reason.find("not a directory"), std::string::npos) << reason;
  reason = expect_checkpoint_error([&] { ensure_writable_dir(dir / "file/sub"); }, dir / "file/sub");
  EXPECT_NE(reason.find("component of the path is not a directory"), std::string::npos) << reason;
}

TEST(EnsureWritableDir, UnwritableDirectory) {
  std::string target;
  ScratchDir dir;
  if (geteuid() != 0) {
    target = dir / "locked";
    fs::create_directory(target);
    chmod(target.c_str(), 0555);
  } else if (fs::is_directory("/sys")) {
    target = "/sys";  // root ignores permission bits; sysfs refuses new files even to root
  } else {
    GTEST_SKIP() << "running as root without /sys: no directory here is unwritable to root";
  }
  std::string reason = expect_checkpoint_error([&] { ensure_writable_dir(target); }, target);
  EXPECT_NE(reason.find("not writable"), std::string::npos) << reason;
  CheckpointDir cd(target);
  expect_checkpoint_error([&] { cd.save(sample_checkpoint()); }, target);
}
