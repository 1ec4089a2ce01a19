// Save then load gives back every kind of value bit for bit, with the format's guarantees.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "ag/checkpoint.h"
#include "ag/generator.h"
#include "checkpoint_test_util.h"

using namespace ag;
using ag::testing::bitwise_equal;
using ag::testing::sample_checkpoint;
using ag::testing::ScratchDir;

namespace {

void expect_same(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.meta.allgrad_version, b.meta.allgrad_version);
  EXPECT_EQ(a.meta.created_unix_ms, b.meta.created_unix_ms);
  EXPECT_EQ(a.meta.world_size, b.meta.world_size);
  EXPECT_EQ(a.meta.model_spec, b.meta.model_spec);
  EXPECT_EQ(a.meta.epoch, b.meta.epoch);
  EXPECT_EQ(a.meta.global_step, b.meta.global_step);
  EXPECT_EQ(a.meta.user, b.meta.user);
  ASSERT_EQ(a.meta.metrics.size(), b.meta.metrics.size());
  for (const auto& [k, v] : a.meta.metrics) {
    double w = b.meta.metrics.at(k);
    EXPECT_EQ(std::memcmp(&v, &w, sizeof v), 0) << k;
  }
  ASSERT_EQ(a.sections.size(), b.sections.size());
  for (const auto& [name, da] : a.sections) {
    const StateDict& db = b.section(name);
    ASSERT_EQ(da.keys(), db.keys()) << name;
    for (const auto& e : da.entries()) {
      const StateValue& v = db.get(e.name);
      ASSERT_EQ(e.value.index(), v.index()) << e.name;
      switch (e.kind()) {
        case StateKind::Tensor: EXPECT_TRUE(bitwise_equal(std::get<Tensor>(e.value), std::get<Tensor>(v))) << e.name; break;
        case StateKind::Int: EXPECT_EQ(std::get<int64_t>(e.value), std::get<int64_t>(v)) << e.name; break;
        case StateKind::Double: {
          double x = std::get<double>(e.value), y = std::get<double>(v);
          EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0) << e.name;
          break;
        }
        case StateKind::String: EXPECT_EQ(std::get<std::string>(e.value), std::get<std::string>(v)) << e.name; break;
      }
    }
  }
}

}  // namespace

TEST(CheckpointRoundTrip, EveryKindOfValue) {
  ScratchDir dir;
  Checkpoint c = sample_checkpoint();
  StateDict& odd = c.sections["odd values"];
  odd.set_tensor("scalar0d", scalar_tensor(3.5, dtype(kFloat64)));
  odd.set_tensor("empty", zeros({0, 5}));
  odd.set_tensor("eight_dims", ones({1, 2, 1, 2, 1, 2, 1, 2}, dtype(kInt64)));
  odd.set_tensor("transposed", arange(6, dtype(kFloat32)).reshape({2, 3}).t());  // non-contiguous input
  odd.set_tensor("specials", tensor({0.0, -0.0, INFINITY, -INFINITY, NAN, 1e-310}, dtype(kFloat64)));
  odd.set_tensor("float_specials", tensor({-0.0f, INFINITY, NAN, 1e-40f}, dtype(kFloat32)));
  odd.set_int("min", std::numeric_limits<int64_t>::min());
  odd.set_int("max", std::numeric_limits<int64_t>::max());
  odd.set_double("nan", std::nan("0x123"));
  odd.set_double("neg_zero", -0.0);
  odd.set_double("denormal", 4.9e-324);
  odd.set_string("empty_string", "");
  odd.set_string("binary", std::string("a\0b\xff\n", 5));
  odd.set_string("unicode", "naïve — ✓ 🙂");
  odd.set_string("", "an empty key is a key");
  c.sections["empty section"];
  c.meta.metrics["nan_metric"] = NAN;

  std::string path = dir / "every.agc";
  save_checkpoint(c, path);
  Checkpoint back = load_checkpoint(path);
  expect_same(c, back);
  EXPECT_EQ(back.section("odd values").get_tensor("transposed").sizes(), (Dims{3, 2}));
  EXPECT_TRUE(back.section("odd values").get_tensor("transposed").equal(arange(6, dtype(kFloat32)).reshape({2, 3}).t()));
}

TEST(CheckpointRoundTrip, SaveStampsVersionAndTimeOnlyWhenUnset) {
  ScratchDir dir;
  Checkpoint c;
  c.sections["model"].set_tensor("w", ones({2}));
  save_checkpoint(c, dir / "a.agc");
  Checkpoint back = load_checkpoint(dir / "a.agc");
  EXPECT_EQ(back.meta.allgrad_version, allgrad_version());
  EXPECT_GT(back.meta.created_unix_ms, 1700000000000);
  EXPECT_TRUE(c.meta.allgrad_version.empty());  // save never mutates its argument
  EXPECT_EQ(c.meta.created_unix_ms, 0);
}

TEST(CheckpointRoundTrip, SameCheckpointGivesTheSameBytes) {
  ScratchDir dir;
  Checkpoint c = sample_checkpoint();
  c.meta.allgrad_version = "test";
  save_checkpoint(c, dir / "a.agc");
  save_checkpoint(c, dir / "b.agc");
  EXPECT_EQ(ag::testing::read_bytes(dir / "a.agc"), ag::testing::read_bytes(dir / "b.agc"));
}

TEST(CheckpointRoundTrip, LargeTensorsAreAlignedAndIndependentOfTheFile) {
  ScratchDir dir;
  Checkpoint c;
  // Above the huge-page threshold, plus odd sizes so data offsets need padding.
  Tensor big = randn({3, 1000, 1001});
  c.sections["model"].set_tensor("big", big);
  c.sections["model"].set_tensor("odd", arange(7, dtype(kFloat64)));
  c.sections["model"].set_tensor("b", tensor({true}));
  std::string path = dir / "big.agc";
  save_checkpoint(c, path);
  Checkpoint back = load_checkpoint(path);
  for (const auto& e : back.section("model").entries())
    EXPECT_EQ(reinterpret_cast<uintptr_t>(std::get<Tensor>(e.value).data_ptr()) % 64, 0u) << e.name;
  Tensor loaded = back.section("model").get_tensor("big");
  EXPECT_TRUE(bitwise_equal(loaded, big));
  std::filesystem::remove(path);  // the loaded tensors own their memory
  loaded.add_(1.0);
  EXPECT_TRUE(loaded.allclose(big + 1.0));
  Tensor kept = back.section("model").get_tensor("odd");
  back = Checkpoint();  // a tensor outlives the Checkpoint it came from
  EXPECT_TRUE(kept.equal(arange(7, dtype(kFloat64))));
}

TEST(CheckpointRoundTrip, HeaderAndVerify) {
  ScratchDir dir;
  std::string path = dir / "h.agc";
  save_checkpoint(sample_checkpoint(), path);
  CheckpointHeader h = read_checkpoint_header(path);
  EXPECT_EQ(h.format_version, kCheckpointFormatVersion);
  EXPECT_EQ(h.flags, 0u);
  EXPECT_EQ(h.header_bytes, 64u);
  EXPECT_EQ(h.file_bytes, std::filesystem::file_size(path));
  EXPECT_EQ(h.payload_bytes + 64, h.file_bytes);
  VerifyResult v = verify_checkpoint(path);
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_NE(v.reason.find("3 sections"), std::string::npos) << v.reason;
  EXPECT_NE(v.reason.find("6 tensors"), std::string::npos) << v.reason;
  EXPECT_EQ(v.reason.find('\n'), std::string::npos);
}

TEST(CheckpointRoundTrip, SectionErrorNamesWhatIsThere) {
  Checkpoint c = sample_checkpoint();
  try {
    c.section("scheduler");
    FAIL() << "no exception";
  } catch (const std::out_of_range& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'scheduler'"), std::string::npos) << m;
    EXPECT_NE(m.find("'model'"), std::string::npos) << m;
  }
}
