// inspect and diff: tables, JSON, verify's one line and exit codes.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "ag/checkpoint.h"
#include "checkpoint_test_util.h"
#include "checkpoint_tools.h"
#include "json.h"

using namespace ag;
using ag::testing::sample_checkpoint;
using ag::testing::ScratchDir;
namespace json = ag::tools::json;

namespace {

struct CommandResult {
  int code;
  std::string out;
};

CommandResult inspect(const std::string& path, bool as_json = false, bool verify = false, bool stats = false) {
  std::ostringstream os;
  int code = tools::inspect(path, {as_json, verify, stats}, os);
  return {code, os.str()};
}

CommandResult diff(const std::string& a, const std::string& b, double atol = 0) {
  std::ostringstream os;
  int code = tools::diff(a, b, atol, os);
  return {code, os.str()};
}

// The whitespace-separated cells of the first indented table line whose first cell is `name`.
std::vector<std::string> row(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  ", 0) != 0) continue;
    std::istringstream cells(line);
    std::vector<std::string> out;
    for (std::string c; cells >> c;) out.push_back(c);
    if (!out.empty() && out[0] == name) return out;
  }
  return {};
}

Checkpoint with_specials() {
  Checkpoint c = sample_checkpoint();
  c.sections["model"].set_tensor("weird", tensor({1.0, NAN, INFINITY, -3.0}));
  c.sections["scheduler"].set_int("last_epoch", 3);
  return c;
}

}  // namespace

TEST(TensorStats, MatchTorchDefinitions) {
  tools::TensorStats s = tools::tensor_stats(tensor({1.0, 2.0, 3.0, 4.0}));
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 4);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_NEAR(s.std, 1.2909944487358056, 1e-12);  // torch.tensor([1.,2,3,4]).std(): unbiased
  EXPECT_NEAR(s.l2_norm, std::sqrt(30.0), 1e-12);
  s = tools::tensor_stats(tensor({NAN, -INFINITY, 5.0}, dtype(kFloat64)));
  EXPECT_EQ(s.nan_count, 1);
  EXPECT_EQ(s.inf_count, 1);
  EXPECT_EQ(s.finite_count, 1);
  EXPECT_EQ(s.mean, 5);
  EXPECT_TRUE(std::isnan(s.std));
  s = tools::tensor_stats(zeros({0}));
  EXPECT_TRUE(std::isnan(s.min));
  EXPECT_EQ(s.l2_norm, 0);
  s = tools::tensor_stats(tensor({true, false, true, true}));
  EXPECT_EQ(s.mean, 0.75);
  s = tools::tensor_stats(arange(10).reshape({2, 5}).t());  // int64, non-contiguous
  EXPECT_EQ(s.max, 9);
  EXPECT_EQ(s.mean, 4.5);
}

TEST(Inspect, TablesShowHeaderMetadataStatsAndScalars) {
  ScratchDir dir;
  std::string path = dir / "c.agc";
  save_checkpoint(with_specials(), path);
  CommandResult r = inspect(path);
  EXPECT_EQ(r.code, 0);
  for (const char* s : {"format 1", "payload CRC-32C 0x", "mlp:4,3,2", "epoch 2, global step 7, world size 4",
                        "accuracy=0.875", "git=abc123", "2023-11-14 22:13:20 UTC", "section 'model': 4 tensors",
                        "section 'scheduler': 1 scalar", "section 'optimizer': 1 tensor (48 B), 3 scalars"})
    EXPECT_NE(r.out.find(s), std::string::npos) << "missing '" << s << "' in\n" << r.out;
  // name dtype shape... numel bytes min max mean std l2 nan inf
  EXPECT_EQ(row(r.out, "weird"),
            (std::vector<std::string>{"weird", "float32", "[4]", "4", "16", "B", "-3", "1", "-1", "2.82843", "3.16228", "1", "1"}));
  EXPECT_EQ(row(r.out, "fc1.weight"), (std::vector<std::string>{"fc1.weight", "float32", "[3,", "4]", "12", "48", "B",
                                                                "0", "5.5", "2.75", "1.80278", "11.2472", "0", "0"}));
  EXPECT_EQ(row(r.out, "lr"), (std::vector<std::string>{"lr", "double", "0.001"}));
  EXPECT_EQ(row(r.out, "type"), (std::vector<std::string>{"type", "string", "\"adam\""}));
}

TEST(Inspect, StatsAddHistogramsOfTheFiniteValues) {
  ScratchDir dir;
  std::string path = dir / "c.agc";
  Checkpoint c = with_specials();
  save_checkpoint(c, path);
  // fc1.weight is 0, 0.5, ..., 5.5: ten bins of 0.55, the last one closed.
  tools::Histogram h = tools::tensor_histogram(c.section("model").get_tensor("fc1.weight"));
  EXPECT_EQ(h.lo, 0);
  EXPECT_EQ(h.hi, 5.5);
  EXPECT_EQ(h.counts, (std::vector<int64_t>{2, 1, 1, 1, 1, 1, 1, 1, 1, 2}));
  // weird holds -3, 1, NaN and inf: only the finite values count.
  EXPECT_EQ(tools::tensor_histogram(c.section("model").get_tensor("weird"), 4).counts, (std::vector<int64_t>{1, 0, 0, 1}));
  EXPECT_EQ(tools::tensor_histogram(ag::full({3}, 2.0)).counts, (std::vector<int64_t>{3}));
  EXPECT_TRUE(tools::tensor_histogram(ag::full({2}, std::nan(""))).counts.empty());

  CommandResult plain = inspect(path), text = inspect(path, false, false, true);
  EXPECT_EQ(plain.out.find("histogram of"), std::string::npos);
  EXPECT_NE(text.out.find("histogram of fc1.weight (10 bins):\n    [          0,        0.55) "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("histogram of weird (10 bins)"), std::string::npos) << text.out;
  json::Value v = json::parse(inspect(path, true, false, true).out, "inspect --json --stats output");
  const json::Value& fc1 = v.find("sections")->find("model")->find("tensors")->array[0];
  ASSERT_EQ(fc1.find("name")->string, "fc1.weight");
  std::vector<int64_t> counts;
  for (const auto& n : fc1.find("histogram")->find("counts")->array) counts.push_back(n.integer);
  EXPECT_EQ(counts, h.counts);
  EXPECT_EQ(fc1.find("histogram")->find("hi")->number, 5.5);
}

TEST(Inspect, JsonCarriesTheSameFacts) {
  ScratchDir dir;
  std::string path = dir / "c.agc";
  Checkpoint c = with_specials();
  save_checkpoint(c, path);
  CommandResult r = inspect(path, /*json=*/true);
  EXPECT_EQ(r.code, 0);
  json::Value v = json::parse(r.out, "inspect output");
  EXPECT_EQ(v.find("path")->string, path);
  EXPECT_EQ(v.find("header")->find("file_bytes")->integer, static_cast<int64_t>(std::filesystem::file_size(path)));
  EXPECT_EQ(v.find("meta")->find("global_step")->integer, 7);
  EXPECT_EQ(v.find("meta")->find("user")->find("git")->string, "abc123");
  const json::Value& model = *v.find("sections")->find("model");
  ASSERT_EQ(model.find("tensors")->array.size(), 4u);
  const json::Value& weird = model.find("tensors")->array[3];
  EXPECT_EQ(weird.find("name")->string, "weird");
  EXPECT_EQ(weird.find("shape")->array[0].integer, 4);
  EXPECT_EQ(weird.find("nan")->integer, 1);
  EXPECT_EQ(weird.find("mean")->number, -1);
  tools::TensorStats s = tools::tensor_stats(c.section("model").get_tensor("fc1.bias"));
  EXPECT_EQ(model.find("tensors")->array[1].find("std")->number, s.std);  // shortest round-trip formatting
  const json::Value& scalars = *v.find("sections")->find("optimizer")->find("scalars");
  ASSERT_EQ(scalars.array.size(), 3u);
  EXPECT_EQ(scalars.array[1].find("type")->string, "double");
  EXPECT_EQ(scalars.array[1].find("value")->number, 1e-3);
  EXPECT_EQ(scalars.array[2].find("value")->integer, 7);
}

TEST(Inspect, VerifyPrintsOneLineAndSetsTheExitCode) {
  ScratchDir dir;
  std::string good = dir / "good.agc", bad = dir / "bad.agc";
  save_checkpoint(sample_checkpoint(), good);
  std::string bytes = ag::testing::read_bytes(good);
  ag::testing::write_bytes(bad, bytes.substr(0, 100));
  CommandResult r = inspect(good, false, true);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("OK " + good + ": valid", 0), 0u) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  r = inspect(bad, false, true);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out.rfind("INVALID " + bad + ": ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("truncated"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  EXPECT_EQ(inspect(dir / "missing.agc", false, true).code, 1);
  r = inspect(bad, true, true);
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(json::parse(r.out, "verify json").find("valid")->boolean);
  EXPECT_THROW(inspect(bad), CheckpointError);  // without --verify, a bad file is an error
}

TEST(Inspect, DirectoryMeansItsLatestAndWarnsAboutSkippedFiles) {
  ScratchDir dir;
  CheckpointDir cd(dir.path(), 0);
  cd.save(sample_checkpoint(100));
  std::string newest = cd.save(sample_checkpoint(200));
  CommandResult r = inspect(dir.path());
  EXPECT_NE(r.out.find("checkpoint  " + newest), std::string::npos) << r.out;
  ag::testing::write_bytes(newest, "torn");
  r = inspect(dir.path());
  EXPECT_NE(r.out.find("checkpoint  " + cd.path_for_step(100)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("warning     skipped 1 newer invalid checkpoint"), std::string::npos) << r.out;
  r = inspect(dir.path(), false, true);
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("(warning: skipped"), std::string::npos) << r.out;
}

TEST(Diff, EqualFilesExitZero) {
  ScratchDir dir;
  save_checkpoint(sample_checkpoint(1), dir / "a.agc");
  save_checkpoint(sample_checkpoint(1), dir / "b.agc");
  CommandResult r = diff(dir / "a.agc", dir / "b.agc");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("checkpoints are equal"), std::string::npos) << r.out;
}

TEST(Diff, ReportsDifferencesWithTolerance) {
  ScratchDir dir;
  Checkpoint a = sample_checkpoint(1), b = sample_checkpoint(1);
  b.sections["model"].set_tensor("fc1.bias", tensor({1.0, -2.0, 3.0 + 1e-6}, dtype(kFloat32)));
  b.meta.global_step = 99;  // metadata: printed, not counted
  save_checkpoint(a, dir / "a.agc");
  save_checkpoint(b, dir / "b.agc");
  CommandResult r = diff(dir / "a.agc", dir / "b.agc");
  EXPECT_EQ(r.code, 1) << r.out;
  std::vector<std::string> cells = row(r.out, "fc1.bias");
  ASSERT_EQ(cells.size(), 8u) << r.out;
  EXPECT_EQ(cells[5], "DIFFERENT");
  double max_abs = std::stod(cells[6]);
  double expected = static_cast<double>(static_cast<float>(3.0 + 1e-6)) - 3.0;  // 4 float32 ulps at 3
  EXPECT_NEAR(max_abs, expected, 1e-12);
  EXPECT_NEAR(std::stod(cells[7]), max_abs / (3 + max_abs), 1e-9);
  EXPECT_NE(r.out.find("global step: 1 vs 99"), std::string::npos) << r.out;
  EXPECT_EQ(diff(dir / "a.agc", dir / "b.agc", 1e-6).code, 0);
  EXPECT_EQ(diff(dir / "a.agc", dir / "b.agc", 1e-8).code, 1);
}

TEST(Diff, MissingExtraMisshapedAndScalars) {
  ScratchDir dir;
  Checkpoint a = sample_checkpoint(1), b = sample_checkpoint(1);
  b.sections["model"].erase("fc1.bias");
  b.sections["model"].set_tensor("extra", zeros({1}));
  b.sections["model"].set_tensor("fc2.weight", zeros({3, 2}, dtype(kFloat64)));
  b.sections["optimizer"].set_double("lr", 0.5);
  b.sections.erase("rng");
  save_checkpoint(a, dir / "a.agc");
  save_checkpoint(b, dir / "b.agc");
  CommandResult r = diff(dir / "a.agc", dir / "b.agc");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(row(r.out, "fc1.bias").back(), "a");  // "... only in a"
  EXPECT_EQ(row(r.out, "extra").back(), "b");
  EXPECT_EQ(row(r.out, "fc2.weight")[7], "MISMATCHED");
  EXPECT_EQ(row(r.out, "lr").back(), "DIFFERENT");
  EXPECT_NE(r.out.find("section 'rng' (only in a)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 only in a, 1 only in b, 1 mismatched"), std::string::npos) << r.out;  // fc1.bias, rng's two
}

TEST(Diff, BitwiseMeansBitwise) {
  ScratchDir dir;
  Checkpoint a, b;
  a.sections["m"].set_tensor("z", tensor({0.0, NAN}));
  b.sections["m"].set_tensor("z", tensor({-0.0, NAN}));
  a.meta.created_unix_ms = b.meta.created_unix_ms = 1;
  save_checkpoint(a, dir / "a.agc");
  save_checkpoint(b, dir / "b.agc");
  EXPECT_EQ(diff(dir / "a.agc", dir / "b.agc", 0).code, 1);      // -0.0 and 0.0 differ in their bits
  EXPECT_EQ(diff(dir / "a.agc", dir / "b.agc", 1e-300).code, 0);  // numerically equal; NaN matches NaN
  EXPECT_EQ(diff(dir / "a.agc", dir / "a.agc", 0).code, 0);
  EXPECT_THROW(diff(dir / "a.agc", dir / "b.agc", -1), std::invalid_argument);
}
