// IDX reader: valid files (raw and gzip), and every kind of damage reported with the file name.
#include <gtest/gtest.h>

#include "ag/ag.h"
#include "ag/data.h"
#include "data/test_files.h"

using namespace ag;
using namespace ag::data;
using ag_test::idx_bytes;

namespace {

// Expects read_idx(path) to throw a runtime_error mentioning the file and `fragment`.
void expect_idx_error(const std::string& path, const std::string& fragment) {
  try {
    read_idx(path);
    ADD_FAILURE() << path << " was accepted";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find(fragment), std::string::npos) << "expected '" << fragment << "' in: " << m;
  }
}

}  // namespace

TEST(IdxReader, ReadsUint8ImagesRawAndCompressed) {
  ag_test::TempDir dir;
  std::string pixels;
  for (int i = 0; i < 2 * 3 * 2; ++i) pixels.push_back(static_cast<char>(i * 20));
  const std::string bytes = idx_bytes(0x08, {2, 3, 2}, pixels);
  ag_test::write_bytes(dir.file("raw-idx3-ubyte"), bytes);
  ag_test::write_gzip(dir.file("packed-idx3-ubyte.gz"), bytes);
  for (const std::string name : {"raw-idx3-ubyte", "packed-idx3-ubyte.gz"}) {
    IdxArray a = read_idx(dir.file(name));
    EXPECT_EQ(a.type, IdxType::UInt8);
    EXPECT_EQ(a.shape, (Dims{2, 3, 2}));
    ASSERT_EQ(a.nbytes, 12u);
    EXPECT_EQ(a.data[11], 220);
    Tensor t = a.to_tensor();
    EXPECT_EQ(t.dtype(), kInt64);
    EXPECT_EQ(t.index({1, 2, 1}).item<int64_t>(), 220);
  }
}

TEST(IdxReader, ConvertsBigEndianTypes) {
  ag_test::TempDir dir;
  // int32 [2] = {-2, 258}; float32 [1] = {1.5}; int16 [1] = {-300}; float64 [1] = {-0.25}
  ag_test::write_bytes(dir.file("i32"), idx_bytes(0x0C, {2}, std::string("\xff\xff\xff\xfe\x00\x00\x01\x02", 8)));
  ag_test::write_bytes(dir.file("f32"), idx_bytes(0x0D, {1}, std::string("\x3f\xc0\x00\x00", 4)));
  ag_test::write_bytes(dir.file("i16"), idx_bytes(0x0B, {1}, std::string("\xfe\xd4", 2)));
  ag_test::write_bytes(dir.file("f64"), idx_bytes(0x0E, {1}, std::string("\xbf\xd0\x00\x00\x00\x00\x00\x00", 8)));
  ag_test::write_bytes(dir.file("i8"), idx_bytes(0x09, {1}, std::string("\xf6", 1)));
  EXPECT_TRUE(load_idx(dir.file("i32")).equal(tensor({-2, 258})));
  Tensor f = load_idx(dir.file("f32"));
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(f.index({0}).item<float>(), 1.5f);
  EXPECT_EQ(load_idx(dir.file("i16")).index({0}).item<int64_t>(), -300);
  EXPECT_EQ(load_idx(dir.file("f64")).index({0}).item<double>(), -0.25);
  EXPECT_EQ(load_idx(dir.file("i8")).index({0}).item<int64_t>(), -10);
}

TEST(IdxReader, DamagedFilesGiveErrorsNamingTheFileAndProblem) {
  ag_test::TempDir dir;
  const std::string good = idx_bytes(0x08, {4, 5}, std::string(20, '\x07'));
  struct Case { std::string name, bytes, fragment; bool gzip = false; };
  const std::vector<Case> cases = {
      {"empty", "", "fewer than the 4-byte"},
      {"short-magic", std::string("\x00\x00", 2), "fewer than the 4-byte"},
      {"bad-magic", "PK\x03\x04" + good.substr(4), "bad magic number 0x504b0304 at byte 0"},
      {"bad-type", idx_bytes(0x07, {4, 5}, std::string(20, 'x')), "unknown element type code 0x07 at byte 2"},
      {"zero-dims", std::string("\x00\x00\x08\x00", 4), "dimension count at byte 3 is 0"},
      {"many-dims", std::string("\x00\x00\x08\x09", 4) + std::string(36, '\x01'), "dimension count 9"},
      {"cut-header", good.substr(0, 9), "header is truncated: the file ends at byte 9"},
      {"truncated", good.substr(0, good.size() - 3), "but the file has 29 bytes"},
      {"trailing", good + "zz", "but the file has 34 bytes"},
      {"huge", idx_bytes(0x08, {60000, 60000, 60000}, "abc"), "uint8[60000, 60000, 60000]"},
      {"truncated.gz", good.substr(0, good.size() - 3), "gzip trailer says the uncompressed data is 29 bytes", true},
      {"huge.gz", idx_bytes(0x0E, {60000, 60000, 60000}, ""), "compressed bytes can hold", true},
  };
  for (const Case& c : cases) {
    if (c.gzip) ag_test::write_gzip(dir.file(c.name), c.bytes);
    else ag_test::write_bytes(dir.file(c.name), c.bytes);
    expect_idx_error(dir.file(c.name), c.fragment);
  }
  expect_idx_error(dir.file("missing"), "does not exist");
}

TEST(IdxReader, CorruptCompressedStreamsAreReportedNotCrashed) {
  ag_test::TempDir dir;
  std::string payload;
  for (int i = 0; i < 5000; ++i) payload.push_back(static_cast<char>((i * 7919) % 251));
  ag_test::write_gzip(dir.file("good.gz"), idx_bytes(0x08, {50, 100}, payload));
  const std::string gz = ag_test::read_bytes(dir.file("good.gz"));
  ASSERT_EQ(read_idx(dir.file("good.gz")).nbytes, 5000u);
  // Cut in the middle of the deflate stream: the trailer is gone, so zlib must notice the end.
  ag_test::write_bytes(dir.file("cut.gz"), gz.substr(0, gz.size() / 2));
  EXPECT_THROW(read_idx(dir.file("cut.gz")), std::runtime_error);
  // Flip bytes inside the compressed data (the CRC or the stream itself must catch it).
  for (size_t at : {gz.size() / 3, gz.size() / 2, gz.size() - 6}) {
    std::string bad = gz;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    ag_test::write_bytes(dir.file("flip.gz"), bad);
    try {
      IdxArray a = read_idx(dir.file("flip.gz"));
      ADD_FAILURE() << "corruption at byte " << at << " went unnoticed";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("flip.gz"), std::string::npos) << e.what();
    }
  }
}
