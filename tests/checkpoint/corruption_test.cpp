// Truncated, bit-flipped and hostile files: every case is a clean
// CheckpointError naming the file, never a crash, hang or huge allocation.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "ag/checkpoint.h"
#include "checkpoint_test_util.h"

using namespace ag;
using ag::testing::expect_checkpoint_error;
using ag::testing::read_bytes;
using ag::testing::reseal;
using ag::testing::sample_checkpoint;
using ag::testing::ScratchDir;
using ag::testing::write_bytes;

namespace {

class CheckpointCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    good_path_ = dir_ / "good.agc";
    bad_path_ = dir_ / "bad.agc";
    save_checkpoint(sample_checkpoint(), good_path_);
    good_ = read_bytes(good_path_);
  }

  // Writes `bytes` as the bad file and checks both load and verify reject it; returns the reason.
  std::string rejected(const std::string& bytes) {
    write_bytes(bad_path_, bytes);
    std::string reason = expect_checkpoint_error([&] { load_checkpoint(bad_path_); }, bad_path_);
    VerifyResult v = verify_checkpoint(bad_path_);
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.reason, reason);
    return reason;
  }

  // Offset of the first occurrence of `needle` in the good file.
  size_t find(const std::string& needle) const {
    size_t at = good_.find(needle);
    EXPECT_NE(at, std::string::npos) << "pattern not in the sample file";
    return at;
  }

  static void put_le(std::string& b, size_t at, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
  }

  // The good file with `n` little-endian bytes at `at` set to v, CRCs recomputed.
  std::string forged(size_t at, uint64_t v, int n) const {
    std::string b = good_;
    put_le(b, at, v, n);
    reseal(b);
    return b;
  }

  static std::string u32_prefixed(const std::string& s) {
    std::string b(4, '\0');
    put_le(b, 0, s.size(), 4);
    return b + s;
  }

  ScratchDir dir_;
  std::string good_path_, bad_path_, good_;
};

void expect_mentions(const std::string& reason, const std::string& what) {
  EXPECT_NE(reason.find(what), std::string::npos) << "reason: " << reason;
}

}  // namespace

TEST_F(CheckpointCorruption, TruncatedAtFiftyOffsets) {
  std::set<size_t> cuts = {0, 1, 7, 8, 63, 64, 65, good_.size() - 1};
  for (size_t k = 0; cuts.size() < 50; ++k) cuts.insert(k * good_.size() / 47 + k % 3);
  for (size_t cut : cuts) {
    if (cut >= good_.size()) continue;
    std::string reason = rejected(good_.substr(0, cut));
    if (cut < 64) expect_mentions(reason, "shorter than the 64-byte");
    else expect_mentions(reason, "truncated");
  }
}

TEST_F(CheckpointCorruption, FiftyRandomBitFlips) {
  std::mt19937_64 rng(20240611);
  for (int i = 0; i < 50; ++i) {
    std::string b = good_;
    size_t bit = rng() % (b.size() * 8);
    b[bit / 8] = static_cast<char>(b[bit / 8] ^ (1 << (bit % 8)));
    std::string reason = rejected(b);
    EXPECT_TRUE(reason.find("corrupt") != std::string::npos || reason.find("magic") != std::string::npos)
        << "bit " << bit << ": " << reason;
  }
}

TEST_F(CheckpointCorruption, HeaderClaimingATerabyte) {
  std::string b = good_;
  put_le(b, 24, uint64_t{1} << 40, 8);
  expect_mentions(rejected(b), "corrupt");  // the header CRC catches the edit
  reseal(b);
  put_le(b, 24, uint64_t{1} << 40, 8);  // reseal recomputed the payload CRC: set the length again
  uint32_t hcrc = ag::checkpoint::crc32c(b.data(), 60);
  put_le(b, 60, hcrc, 4);
  std::string reason = rejected(b);
  expect_mentions(reason, "1099511627776");
  expect_mentions(reason, "truncated");
}

TEST_F(CheckpointCorruption, HeaderFieldsFromTheFuture) {
  auto with_header_field = [&](size_t at, uint64_t v, int n) {
    std::string b = good_;
    put_le(b, at, v, n);
    put_le(b, 60, ag::checkpoint::crc32c(b.data(), 60), 4);
    return b;
  };
  expect_mentions(rejected(with_header_field(8, 2, 4)), "format version 2");
  expect_mentions(rejected(with_header_field(12, 128, 4)), "header length");
  expect_mentions(rejected(with_header_field(16, 1, 8)), "flags");
  expect_mentions(rejected(with_header_field(36, 999, 4)), "Boost archive version 999");
  std::string b = good_;
  b[0] = 'P';
  expect_mentions(rejected(b), "bad magic");
  expect_mentions(rejected(good_ + "extra"), "extra bytes");
}

TEST_F(CheckpointCorruption, GarbageInnerLengthsWithAValidCrc) {
  // A name length far beyond the file.
  size_t name = find(u32_prefixed("fc1.weight"));
  std::string reason = rejected(forged(name, 0xFFFFFFF0u, 4));
  expect_mentions(reason, "remain");
  expect_mentions(reason, "at byte");

  // fc1.weight is float32 [3, 4]: sizes 3 and 4, then its byte count 48.
  std::string dims(24, '\0');
  put_le(dims, 0, 3, 8);
  put_le(dims, 8, 4, 8);
  put_le(dims, 16, 48, 8);
  size_t shape = find(dims);
  expect_mentions(rejected(forged(shape + 16, uint64_t{1} << 40, 8)), "does not match shape");
  expect_mentions(rejected(forged(shape, static_cast<uint64_t>(-5), 8)), "negative size");
  expect_mentions(rejected(forged(shape - 1, 200, 1)), "dimensions");
  expect_mentions(rejected(forged(shape - 2, 9, 1)), "unknown dtype");
  {  // a consistent shape and byte count of 4 TiB: refused before any allocation
    std::string b = good_;
    put_le(b, shape, uint64_t{1} << 20, 8);
    put_le(b, shape + 8, uint64_t{1} << 20, 8);
    put_le(b, shape + 16, uint64_t{4} << 40, 8);
    reseal(b);
    expect_mentions(rejected(b), "needs 4398046511104 bytes");
  }
  {  // shape sizes whose product overflows 64 bits
    std::string b = good_;
    put_le(b, shape, uint64_t{1} << 62, 8);
    put_le(b, shape + 8, uint64_t{1} << 62, 8);
    reseal(b);
    expect_mentions(rejected(b), "more elements than int64");
  }
  {  // no elements, but sizes whose strides would overflow: [2^62, 0, 4] (found by the fuzzer)
    std::string b = good_;
    put_le(b, shape - 1, 3, 1);  // rank 3
    put_le(b, shape, uint64_t{1} << 62, 8);
    put_le(b, shape + 8, 0, 8);
    b.insert(shape + 16, std::string(8, '\0'));  // the third size; the byte count follows it
    put_le(b, shape + 16, 4, 8);
    put_le(b, shape + 24, 0, 8);
    put_le(b, 24, b.size() - 64, 8);  // payload length
    reseal(b);
    expect_mentions(rejected(b), "more elements than int64");
  }

  // The section count sits just before the first section's name ("model").
  size_t first_section = find(u32_prefixed("model"));
  expect_mentions(rejected(forged(first_section - 4, 0x7FFFFFFF, 4)), "remain");
  // A value kind after the name "type" (a string entry).
  size_t type = find(u32_prefixed("type"));
  expect_mentions(rejected(forged(type + 8, 9, 1)), "unknown value kind");
  // The bool tensor "mask" holds 1, 0, 1: make a byte 7.
  size_t mask_data = good_.find(std::string("\x01\x00\x01", 3), find(u32_prefixed("mask")));
  expect_mentions(rejected(forged(mask_data, 7, 1)), "bool value 7");
  // The first record's version (payload byte 1, after Boost's tracking byte).
  expect_mentions(rejected(forged(65, 2, 4)), "checkpoint record version 2");
  expect_mentions(rejected(forged(70, 77, 4)), "metadata record version 77");
  // Bytes after the end of the archive.
  std::string b = good_ + std::string(16, '\0');
  b[24] = static_cast<char>(b[24] + 16);
  reseal(b);
  expect_mentions(rejected(b), "unexpected bytes after the end");
}

TEST_F(CheckpointCorruption, EveryPayloadOffsetOverwrittenWithAValidCrc) {
  // Overwrite 4 bytes at every payload offset with several patterns: the load
  // either succeeds (the bytes were tensor data) or fails cleanly, and the same
  // way from memory (parse_checkpoint_bytes) as streamed from the file
  // (load_checkpoint, Note [Streamed load]).
  const uint32_t patterns[] = {0xFFFFFFFFu, 0x7FFFFFFFu, 0x00000000u, 0x80000001u};
  int failures = 0;
  for (size_t at = 64; at + 4 <= good_.size(); ++at)
    for (uint32_t p : patterns) {
      std::string b = forged(at, p, 4);
      if (b == good_) continue;
      std::string from_memory = "loaded", from_file = "loaded";
      try {
        ag::checkpoint::parse_checkpoint_bytes(b.data(), b.size(), "forged.agc");
      } catch (const CheckpointError& e) {
        ++failures;
        EXPECT_EQ(e.path(), "forged.agc");
        from_memory = e.reason();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "offset " << at << ": not a CheckpointError: " << e.what();
      }
      write_bytes(bad_path_, b);
      try {
        load_checkpoint(bad_path_);
      } catch (const CheckpointError& e) {
        from_file = e.reason();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "offset " << at << ": not a CheckpointError from the file: " << e.what();
      }
      EXPECT_EQ(from_file, from_memory) << "offset " << at << " pattern " << p;
    }
  EXPECT_GT(failures, 100);
}

TEST_F(CheckpointCorruption, RandomPayloadsWithAValidCrc) {
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string b = good_.substr(0, 64);
    size_t n = rng() % 512;
    for (size_t k = 0; k < n; ++k) b += static_cast<char>(rng() % 4 == 0 ? rng() : rng() % 3);
    put_le(b, 24, n, 8);
    reseal(b);
    EXPECT_THROW(ag::checkpoint::parse_checkpoint_bytes(b.data(), b.size(), "random.agc"), CheckpointError);
  }
}

TEST_F(CheckpointCorruption, NotAFile) {
  expect_mentions(expect_checkpoint_error([&] { load_checkpoint(dir_ / "missing.agc"); }, dir_ / "missing.agc"),
                  "No such file");
  expect_mentions(expect_checkpoint_error([&] { load_checkpoint(dir_.path()); }, dir_.path()), "directory");
  EXPECT_FALSE(verify_checkpoint(dir_ / "missing.agc").ok);
}

// Large tensors are read straight from the file into their own memory, past the
// reader's 64 KiB window (Note [Streamed load]); a flipped bit there, or in the
// records after them, is still found by the CRC, and nothing is returned.
TEST_F(CheckpointCorruption, BitFlipsInAndAfterLargeTensors) {
  Checkpoint big = sample_checkpoint();
  big.sections["model"].set_tensor("big", ag::arange(0, 3 << 20).to(ag::kFloat32).reshape({3, 1 << 20}));
  big.sections["optimizer"].set_tensor("moment", ag::full({1 << 18}, 0.5f));
  std::string path = dir_ / "big.agc";
  save_checkpoint(big, path);
  const std::string bytes = read_bytes(path);
  Checkpoint back = load_checkpoint(path);
  EXPECT_TRUE(ag::testing::bitwise_equal(back.section("model").get_tensor("big"), big.section("model").get_tensor("big")));
  for (size_t at : {size_t{100000}, bytes.size() / 2, bytes.size() - 3000, bytes.size() - 20}) {
    std::string b = bytes;
    b[at] = static_cast<char>(b[at] ^ 0x10);
    expect_mentions(rejected(b), "payload is corrupt");
  }
}

// Note [Back-references]: a file may claim that Boost tracks tensor records,
// then make a later tensor a reference to the first; Boost skips that record's
// load(), and the entry must not come back undefined (found by the fuzzer).
TEST_F(CheckpointCorruption, ARecordThatRefersBackToAnEarlierOne) {
  Checkpoint c;
  c.sections["model"].set_tensor("a", ag::full({2}, 1.0f));
  c.sections["model"].set_tensor("b", ag::full({2}, 2.0f));
  std::string path = dir_ / "two.agc";
  save_checkpoint(c, path);
  std::string b = read_bytes(path);
  // Entry "a": its name, kind 0 (tensor), then the tensor class's first-use
  // info: tracking byte 0 and version 1.
  const std::string a_info = u32_prefixed("a") + std::string("\0\0\x01\0\0\0", 6);
  size_t a = b.find(a_info);
  ASSERT_NE(a, std::string::npos);
  b[a + 6] = 1;  // tracked
  // A tracked record carries an object id: 0, a new object. Four bytes fewer
  // padding keep the tensor's data where it was.
  size_t oid_at = a + a_info.size();
  size_t pad_count_at = oid_at + 1 + 1 + 8 + 8;  // dtype, rank, one size, byte count
  uint8_t pad = static_cast<uint8_t>(b[pad_count_at]);
  ASSERT_GE(pad, 4);
  b[pad_count_at] = static_cast<char>(pad - 4);
  b.erase(pad_count_at + 1, 4);
  b.insert(oid_at, std::string(4, '\0'));
  // Entry "b" is the archive's last record: replace it by a reference to object 0.
  const std::string b_entry = u32_prefixed("b") + std::string(1, '\0');
  size_t b_at = b.find(b_entry);
  ASSERT_NE(b_at, std::string::npos);
  b.resize(b_at + b_entry.size());
  b += std::string(4, '\0');
  put_le(b, 24, b.size() - 64, 8);  // payload length
  reseal(b);
  std::string reason = rejected(b);
  expect_mentions(reason, "section 'model' entry 'b'");
  expect_mentions(reason, "refers back to an earlier record");

  // The same bytes with a fresh object id (1) for "b" are a valid tracked tensor:
  // the edit above is exactly a back-reference, not a broken file.
  // (Its data is missing here, so the load fails later, on the data.)
  b[b.size() - 4] = 1;
  reseal(b);
  EXPECT_EQ(rejected(b).find("refers back"), std::string::npos);
}
