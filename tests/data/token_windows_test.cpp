// TokenWindows and the token-stream readers: llm.c's batch layout, and one clear
// error (file and byte offset) for each way a token file can be wrong.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "ag/data.h"
#include "test_files.h"

namespace {

using ag::data::TokenStream;
using ag::data::TokenWindows;

TokenStream counting(int n) {
  auto v = std::make_shared<std::vector<uint16_t>>();
  for (int i = 0; i < n; ++i) v->push_back(static_cast<uint16_t>(i));
  return v;
}

TEST(TokenWindows, BatchKIsLlmcsRowsOfStrideT) {
  TokenWindows w(counting(50), 4, "stream");
  EXPECT_EQ(w.size(), 12);  // (50 - 1) / 4
  // Batch 1 of B = 3 rows: tokens[12 .. 25) as llm.c reads it, reshaped to 3 rows of 4 inputs.
  const int64_t idx[] = {3, 4, 5};
  auto b = w.get_batch(idx);
  ASSERT_EQ(b.data.sizes(), (ag::Dims{3, 4}));
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t t = 0; t < 4; ++t) {
      EXPECT_EQ(b.data[r][t].item<int64_t>(), 12 + r * 4 + t);
      EXPECT_EQ(b.target[r][t].item<int64_t>(), 12 + r * 4 + t + 1);
    }
  EXPECT_EQ(w.get(11).target[3].item<int64_t>(), 48);
  EXPECT_THROW(w.get(12), std::out_of_range);
}

TEST(TokenWindows, TooShortANamedError) {
  try {
    TokenWindows w(counting(4), 4, "notes.txt");
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "notes.txt holds 4 tokens, fewer than context + 1 = 5 needed for one example");
  }
}

void write_tokens(const std::string& path, int32_t magic, int32_t version, int32_t count, const std::vector<uint16_t>& tokens) {
  std::vector<int32_t> header(256, 0);
  header[0] = magic, header[1] = version, header[2] = count;
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(header.data()), 1024);
  f.write(reinterpret_cast<const char*>(tokens.data()), static_cast<std::streamsize>(tokens.size() * 2));
}

std::string error_of(const std::string& path) {
  try {
    ag::data::read_llmc_tokens(path, 256);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "accepted";
}

TEST(LlmcTokens, ReadsAndChecksEveryField) {
  ag_test::TempDir dir;
  const std::string f = dir.file("t.bin");
  write_tokens(f, 20240520, 1, 3, {7, 255, 0});
  auto t = ag::data::read_llmc_tokens(f, 256);
  EXPECT_EQ(*t, (std::vector<uint16_t>{7, 255, 0}));
  write_tokens(f, 20240521, 1, 3, {7, 255, 0});
  EXPECT_EQ(error_of(f), f + ": byte 0: magic number 20240521, not llm.c's 20240520 (not a token file, or one of another version)");
  write_tokens(f, 20240520, 2, 3, {7, 255, 0});
  EXPECT_EQ(error_of(f), f + ": byte 4: version 2, only version 1 (uint16 tokens) is read");
  write_tokens(f, 20240520, 1, 5, {7, 255, 0});
  EXPECT_EQ(error_of(f), f + ": byte 8: the header counts 5 tokens but the file holds 6 bytes after the header (3 tokens)");
  write_tokens(f, 20240520, 1, 3, {7, 256, 0});
  EXPECT_EQ(error_of(f), f + ": byte 1026: token 1 is 256, not below the vocabulary size 256");
  std::ofstream(f, std::ios::binary | std::ios::trunc) << "short";
  EXPECT_EQ(error_of(f), f + ": 5 bytes, shorter than the 1024-byte header of an llm.c token file");
  EXPECT_NE(error_of(dir.file("missing.bin")).find("missing.bin: cannot open"), std::string::npos);
}

TEST(TextTokens, AFolderIsItsFilesInNameOrder) {
  ag_test::TempDir dir;
  std::ofstream(dir.file("b")) << "cd";
  std::ofstream(dir.file("a")) << "ab\xff";
  std::ofstream(dir.file("a.dat")) << std::string("\0\1", 2);  // binary: left out
  std::filesystem::create_symlink(dir.file("b"), dir.file("b.u8"));  // a link: left out
  auto t = ag::data::read_text_tokens(dir.path().string());
  EXPECT_EQ(*t, (std::vector<uint16_t>{'a', 'b', 255, 'c', 'd'}));
  auto one = ag::data::read_text_tokens(dir.file("b"));
  EXPECT_EQ(one->size(), 2u);
}

}  // namespace
