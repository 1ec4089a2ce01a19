// CRC-32C against published vectors, and the SSE4.2 path against the table path.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "checkpoint/crc32c.h"

using ag::checkpoint::crc32c;
using ag::checkpoint::crc32c_portable;

namespace {

// RFC 3720 (iSCSI) appendix B.4 and the classic check value.
struct Vector {
  std::vector<unsigned char> data;
  uint32_t crc;
};

std::vector<Vector> known_vectors() {
  std::vector<Vector> v;
  v.push_back({std::vector<unsigned char>(32, 0x00), 0x8A9136AA});
  v.push_back({std::vector<unsigned char>(32, 0xFF), 0x62A8AB43});
  std::vector<unsigned char> up(32), down(32);
  for (int i = 0; i < 32; ++i) up[i] = static_cast<unsigned char>(i), down[i] = static_cast<unsigned char>(31 - i);
  v.push_back({up, 0x46DD794E});
  v.push_back({down, 0x113FDB5C});
  const char* check = "123456789";
  v.push_back({std::vector<unsigned char>(check, check + 9), 0xE3069283});
  v.push_back({{}, 0x00000000});
  // iSCSI SCSI Read (10) command PDU, RFC 3720 B.4.
  v.push_back({{0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
                0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
               0xD9963A56});
  return v;
}

}  // namespace

TEST(Crc32c, KnownVectors) {
  for (const Vector& v : known_vectors()) {
    EXPECT_EQ(crc32c(v.data.data(), v.data.size()), v.crc) << "hardware path, " << v.data.size() << " bytes";
    EXPECT_EQ(crc32c_portable(v.data.data(), v.data.size()), v.crc) << "table path, " << v.data.size() << " bytes";
  }
}

TEST(Crc32c, HardwareMatchesTableOnEveryLengthAndAlignment) {
  if (!ag::checkpoint::crc32c_uses_hardware()) GTEST_SKIP() << "no SSE4.2 on this CPU: only the table path runs";
  std::mt19937 rng(42);
  std::vector<unsigned char> buf(3 * 8192 * 3 + 100);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  // Lengths around the three-way block size (3 * 8192) exercise the joining of streams.
  std::vector<size_t> lengths = {0, 1, 7, 8, 9, 63, 64, 4095, 8192, 24575, 24576, 24577, 49152, 49153, 73728 + 99};
  for (size_t len : lengths)
    for (size_t off : {0, 1, 3, 5}) {
      if (off + len > buf.size()) continue;
      EXPECT_EQ(ag::checkpoint::crc32c_sse42(buf.data() + off, len), crc32c_portable(buf.data() + off, len))
          << "len " << len << " off " << off;
    }
}

// Note [CRC-32C by folding]: from 1 KiB up crc32c() folds with AVX-512 when the
// CPU has it. Lengths around its steps (256-byte loop, 64- and 16-byte tails,
// the bytes after the last block) and a non-zero starting CRC, which goes into
// the first four bytes.
TEST(Crc32c, FoldingMatchesTableOnEveryLengthAlignmentAndStart) {
  if (std::string(ag::checkpoint::crc32c_path()) != "avx512-vpclmulqdq")
    GTEST_SKIP() << "crc32c() does not fold on this CPU (" << ag::checkpoint::crc32c_path() << ")";
  std::mt19937 rng(7);
  std::vector<unsigned char> buf(200000);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  std::vector<size_t> lengths = {1023, 1024, 1025, 1039, 1040, 1087, 1088, 1089, 1279, 1280, 1281, 1295,
                                 1296, 1343, 1344, 1345, 2047, 2048, 4096 + 255, 65536 + 77, 199990};
  for (size_t len : lengths)
    for (size_t off : {0, 1, 3, 8})
      for (uint32_t start : {0u, 0xDEADBEEFu, 0xFFFFFFFFu}) {
        if (off + len > buf.size()) continue;
        EXPECT_EQ(crc32c(buf.data() + off, len, start), crc32c_portable(buf.data() + off, len, start))
            << "len " << len << " off " << off << " start " << start;
      }
}

TEST(Crc32c, ContinuesAcrossPieces) {
  std::string s = "The quick brown fox jumps over the lazy dog, many times over. ";
  while (s.size() < 100000) s += s;
  uint32_t whole = crc32c(s.data(), s.size());
  for (size_t cut : {size_t{0}, size_t{1}, size_t{17}, size_t{24576}, s.size() / 2, s.size()}) {
    uint32_t first = crc32c(s.data(), cut);
    EXPECT_EQ(crc32c(s.data() + cut, s.size() - cut, first), whole) << "cut at " << cut;
  }
}
