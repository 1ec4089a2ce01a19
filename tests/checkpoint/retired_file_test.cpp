// Note [Retired files]: a replaced or pruned checkpoint leaves its visible name
// at once and is unlinked by the background thread; leftovers of a process that
// died first are removed by the next CheckpointDir::save.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "ag/checkpoint.h"
#include "checkpoint/retired_file.h"
#include "checkpoint_test_util.h"

using namespace ag;
using ag::checkpoint::HoldBackgroundUnlinks;
using ag::checkpoint::is_retired_name;
using ag::checkpoint::retired_base;
using ag::checkpoint::retired_name_for;
using ag::checkpoint::wait_for_background_unlinks;
using ag::testing::sample_checkpoint;
using ag::testing::ScratchDir;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> retired_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (is_retired_name(e.path().filename())) out.push_back(e.path());
  return out;
}

ino_t inode_of(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

}  // namespace

TEST(RetiredFiles, NamesAreHiddenAndCarryTheirBase) {
  std::string a = retired_name_for("runs/x/ckpt-000005.agc"), b = retired_name_for("runs/x/ckpt-000005.agc");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("runs/x/.ckpt-000005.agc.old-", 0), 0u) << a;
  std::string name = fs::path(a).filename();
  EXPECT_TRUE(is_retired_name(name));
  EXPECT_EQ(retired_base(name), "ckpt-000005.agc");
  EXPECT_EQ(retired_name_for("model.agc").rfind("./.model.agc.old-", 0), 0u);
  for (const char* not_one : {"ckpt-000005.agc", ".ckpt-000005.agc.tmp-1-2", ".x.old-", ".x.old-12", ".x.old-1-a", ".old-1-2",
                              "x.old-1-2"})
    EXPECT_FALSE(is_retired_name(not_one)) << not_one;
}

TEST(RetiredFiles, ReplacedFileKeepsAHiddenNameUntilTheBackgroundReleasesIt) {
  ScratchDir dir;
  std::string path = dir / "model.agc";
  save_checkpoint(sample_checkpoint(1), path);
  ino_t old_inode = inode_of(path);
  {
    HoldBackgroundUnlinks hold;
    save_checkpoint(sample_checkpoint(2), path);
    EXPECT_EQ(load_checkpoint(path).meta.global_step, 2);
    std::vector<std::string> retired = retired_in(dir.path());
    ASSERT_EQ(retired.size(), 1u) << "the replaced file was freed by the save itself";
    EXPECT_EQ(inode_of(retired[0]), old_inode);
    EXPECT_NE(inode_of(path), old_inode);
  }
  wait_for_background_unlinks();
  EXPECT_TRUE(retired_in(dir.path()).empty());
  EXPECT_EQ(load_checkpoint(path).meta.global_step, 2);
}

TEST(RetiredFiles, PrunedCheckpointsLeaveTheListingAtOnce) {
  ScratchDir dir;
  CheckpointDir cd(dir.path(), 1);
  {
    HoldBackgroundUnlinks hold;
    cd.save(sample_checkpoint(1));
    cd.save(sample_checkpoint(2));
    cd.save(sample_checkpoint(3));
    ASSERT_EQ(cd.list().size(), 1u);
    EXPECT_EQ(cd.list()[0].step, 3);
    EXPECT_EQ(cd.latest()->step, 3);
    EXPECT_EQ(retired_in(dir.path()).size(), 2u);
  }
  wait_for_background_unlinks();
  EXPECT_TRUE(retired_in(dir.path()).empty());
}

TEST(RetiredFiles, LeftoversOfADeadProcessGoWithTheNextSave) {
  ScratchDir dir;
  ag::testing::write_bytes(dir / ".ckpt-000003.agc.old-999999-0", "left by a killed run");
  ag::testing::write_bytes(dir / ".notes.txt.old-999999-1", "not ours");
  CheckpointDir(dir.path(), 1).save(sample_checkpoint(4));
  wait_for_background_unlinks();
  EXPECT_FALSE(fs::exists(dir / ".ckpt-000003.agc.old-999999-0"));
  EXPECT_TRUE(fs::exists(dir / ".notes.txt.old-999999-1"));
}
