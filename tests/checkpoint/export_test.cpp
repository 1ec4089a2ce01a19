// export: safetensors and npz files read back (by our readers, byte layout
// checked against the formats), and the safetensors reader's validation.
#include <gtest/gtest.h>
#include <zlib.h>

#include <sstream>

#include "ag/checkpoint.h"
#include "checkpoint_test_util.h"
#include "checkpoint_tools.h"
#include "json.h"

using namespace ag;
using ag::testing::bitwise_equal;
using ag::testing::read_bytes;
using ag::testing::sample_checkpoint;
using ag::testing::ScratchDir;
using ag::testing::write_bytes;
namespace json = ag::tools::json;

namespace {

uint64_t le(const std::string& b, size_t at, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
  return v;
}

std::string le_bytes(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>(v >> (8 * i));
  return s;
}

Checkpoint export_sample() {
  Checkpoint c = sample_checkpoint();
  StateDict& m = c.sections["model"];
  m.set_tensor("layers.0/conv \"quoted\" ✓", arange(4, dtype(kFloat32)));
  m.set_tensor("empty", zeros({0, 3}));
  m.set_tensor("scalar", scalar_tensor(2.5, dtype(kFloat64)));
  m.set_tensor("steps", arange(5));
  m.set_tensor("mask", tensor({true, false}));
  m.set_tensor("transposed", arange(6, dtype(kFloat32)).reshape({2, 3}).t());
  m.set_int("version", 3);  // a scalar: left out of the export
  return c;
}

void expect_same_tensors(const tools::TensorMap& got, const StateDict& want) {
  size_t tensors = 0;
  for (const auto& e : want.entries()) {
    if (e.kind() != StateKind::Tensor) continue;
    ++tensors;
    auto it = got.find(e.name);
    ASSERT_NE(it, got.end()) << "missing " << e.name;
    EXPECT_TRUE(bitwise_equal(it->second, std::get<Tensor>(e.value))) << e.name;
  }
  EXPECT_EQ(got.size(), tensors);
}

std::string safetensors_file(const std::string& header, const std::string& data) {
  return le_bytes(header.size(), 8) + header + data;
}

}  // namespace

TEST(Export, SafetensorsRoundTripAndLayout) {
  ScratchDir dir;
  Checkpoint c = export_sample();
  save_checkpoint(c, dir / "c.agc");
  std::ostringstream log;
  EXPECT_EQ(tools::export_checkpoint(dir / "c.agc", tools::ExportFormat::Safetensors, dir / "m.safetensors", log, "model"), 0);
  EXPECT_NE(log.str().find("exported 9 tensors"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("scalars left out: version"), std::string::npos) << log.str();
  expect_same_tensors(tools::load_safetensors(dir / "m.safetensors"), c.section("model"));

  // The layout PyTorch's safetensors reader expects.
  std::string b = read_bytes(dir / "m.safetensors");
  uint64_t n = le(b, 0, 8);
  EXPECT_EQ((8 + n) % 8, 0u);
  json::Value h = json::parse(b.substr(8, n), "header");
  EXPECT_EQ(h.object[0].key, "__metadata__");
  EXPECT_EQ(h.object[0].value.find("format")->string, "pt");
  std::vector<std::string> names;
  uint64_t expect_begin = 0;
  for (size_t i = 1; i < h.object.size(); ++i) {
    names.push_back(h.object[i].key);
    const json::Value& off = *h.object[i].value.find("data_offsets");
    EXPECT_EQ(static_cast<uint64_t>(off.array[0].integer), expect_begin) << h.object[i].key;
    expect_begin = static_cast<uint64_t>(off.array[1].integer);
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(8 + n + expect_begin, b.size());
  const json::Value& steps = *h.find("steps");
  EXPECT_EQ(steps.find("dtype")->string, "I64");
  EXPECT_EQ(h.find("mask")->find("dtype")->string, "BOOL");
  EXPECT_EQ(h.find("scalar")->find("shape")->array.size(), 0u);
  EXPECT_EQ(h.find("transposed")->find("shape")->array[0].integer, 3);
}

TEST(Export, NpzRoundTripAndZipRecords) {
  ScratchDir dir;
  Checkpoint c = export_sample();
  save_checkpoint(c, dir / "c.agc");
  std::ostringstream log;
  tools::export_checkpoint(dir / "c.agc", tools::parse_export_format("npz"), dir / "m.npz", log, "model");
  expect_same_tensors(tools::load_npz(dir / "m.npz"), c.section("model"));
  std::string b = read_bytes(dir / "m.npz");
  // First member: a stored local header, then its .npy bytes, CRC-32 as zlib computes it.
  ASSERT_EQ(le(b, 0, 4), 0x04034b50u);
  EXPECT_EQ(le(b, 8, 2), 0u);  // method: stored
  uint64_t name_len = le(b, 26, 2), extra_len = le(b, 28, 2);
  std::string name = b.substr(30, name_len);
  EXPECT_EQ(name, "empty.npy");  // sorted names
  uint64_t size = le(b, 30 + name_len + 4, 8);  // ZIP64 extra: uncompressed size
  std::string npy = b.substr(30 + name_len + extra_len, size);
  EXPECT_EQ(npy.substr(0, 6), "\x93NUMPY");
  EXPECT_EQ(le(b, 14, 4), crc32_z(0, reinterpret_cast<const Bytef*>(npy.data()), npy.size()));
  EXPECT_EQ(le(b, b.size() - 22, 4), 0x06054b50u);  // end of central directory, no comment
  EXPECT_THROW(tools::parse_export_format("pt"), std::invalid_argument);
}

TEST(Export, MissingSectionNamesWhatIsThere) {
  ScratchDir dir;
  save_checkpoint(sample_checkpoint(), dir / "c.agc");
  std::ostringstream log;
  try {
    tools::export_checkpoint(dir / "c.agc", tools::ExportFormat::Npz, dir / "x.npz", log, "ema");
    FAIL();
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("'ema'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'model'"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "x.npz"));
}

TEST(Npz, CorruptArchivesAreRefused) {
  ScratchDir dir;
  tools::TensorMap m{{"w", arange(100, dtype(kFloat32))}};
  tools::save_npz(m, dir / "m.npz");
  std::string b = read_bytes(dir / "m.npz");
  auto refused = [&](const std::string& bytes, const std::string& what) {
    write_bytes(dir / "bad.npz", bytes);
    try {
      tools::load_npz(dir / "bad.npz");
      ADD_FAILURE() << "accepted; expected: " << what;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(dir / "bad.npz"), std::string::npos) << e.what();
    }
  };
  std::string flipped = b;
  flipped[200] = static_cast<char>(flipped[200] ^ 1);
  refused(flipped, "CRC-32 mismatch");
  refused(b.substr(0, b.size() / 2), "end-of-central-directory");
  std::string deflated = b;
  deflated[8] = 8;
  size_t cd = b.find(std::string("PK\x01\x02", 4));
  deflated[cd + 10] = 8;
  refused(deflated, "compressed (method 8)");
}

TEST(Safetensors, ReaderRefusesLies) {
  ScratchDir dir;
  std::string path = dir / "bad.safetensors";
  auto refused = [&](const std::string& bytes, const std::string& what) {
    write_bytes(path, bytes);
    try {
      tools::load_safetensors(path);
      ADD_FAILURE() << "accepted; expected: " << what;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  const std::string data8(8, '\0');
  auto one = [](const std::string& dtype, const std::string& shape, const std::string& offsets) {
    return "{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}}";
  };
  write_bytes(path, safetensors_file(one("F32", "[2]", "[0,8]"), data8));
  EXPECT_EQ(tools::load_safetensors(path).at("w").numel(), 2);  // the well-formed baseline

  refused("short", "shorter than the 8-byte");
  refused(le_bytes(uint64_t{1} << 40, 8) + "{}", "runs past the end");
  refused(le_bytes(4, 8) + "{}", "runs past the end");
  refused(safetensors_file("{\"w\":", ""), "invalid JSON");
  refused(safetensors_file("[1,2]", ""), "not a JSON object");
  refused(safetensors_file(one("F16", "[4]", "[0,8]"), data8), "dtype 'F16'");
  refused(safetensors_file(one("F32", "[3]", "[0,8]"), data8), "does not match data_offsets");
  refused(safetensors_file(one("F32", "[2]", "[0,16]"), data8), "do not fit");
  refused(safetensors_file(one("F32", "[2]", "[8,0]"), data8), "do not fit");
  refused(safetensors_file(one("F32", "[-2]", "[0,8]"), data8), "non-negative");
  refused(safetensors_file(one("F32", "[4611686018427387904,4]", "[0,8]"), data8), "more elements than int64");
  refused(safetensors_file(one("F32", "[4611686018427387904,0,4]", "[0,0]") , ""), "more elements than int64");
  refused(safetensors_file(one("F32", "[2]", "[0]"), data8), "two integers");
  refused(safetensors_file(one("F32", "[1]", "[0,4]"), data8), "belong to no tensor");
  refused(safetensors_file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", data8), "\"dtype\"");
  refused(safetensors_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                           "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                           data8),
          "overlap");
  refused(safetensors_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                           "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                           data8),
          "duplicate key");
  refused(safetensors_file(one("BOOL", "[2]", "[0,2]"), std::string("\x01\x02", 2)), "bool value 2");
  refused(safetensors_file("{\"__metadata__\":{\"format\":1}}", ""), "__metadata__");
}
