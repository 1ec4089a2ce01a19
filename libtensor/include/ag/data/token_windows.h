// Language-model data: a token stream cut into windows of context + 1 tokens, and the
// readers that make such streams from a text file (bytes as tokens) or from llm.c's
// token files.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ag/data/dataset.h"

namespace ag::data {

/// A shared, immutable token stream.
using TokenStream = std::shared_ptr<const std::vector<uint16_t>>;

/// Example i is tokens[i·T, i·T + T) as input and tokens[i·T + 1, i·T + T + 1) as target
/// (int64, [T] each): windows of T + 1 tokens at stride T, so they do not overlap and
/// windows k·B .. k·B + B − 1, taken in order, are llm.c's batch k of B rows.
/// A stream of n tokens gives (n − 1) / T examples.
class TokenWindows : public Dataset {
 public:
  /// Throws std::invalid_argument naming `what` when the stream is shorter than T + 1.
  TokenWindows(TokenStream tokens, int64_t context, const std::string& what);
  int64_t size() const override { return count_; }
  Example<> get(int64_t index) const override;
  Example<> get_batch(std::span<const int64_t> indices) const override;
  int64_t context() const { return context_; }

 private:
  TokenStream tokens_;
  int64_t context_, count_;
};

/// The bytes of `path` as tokens 0..255: a file, or a folder's text files in name order,
/// concatenated (its regular files that are not symbolic links and hold no NUL byte, so
/// /usr/share/games/fortunes gives each fortune file once, without the .dat indexes).
/// Throws std::runtime_error naming the path.
TokenStream read_text_tokens(const std::string& path);

/// llm.c's token file: a header of 256 little-endian int32 (magic 20240520, version 1,
/// token count, the rest unused) followed by that many uint16 tokens. Every field, the
/// file size and each token id (< `vocab`) are checked; errors name the file and the byte
/// offset of what is wrong.
TokenStream read_llmc_tokens(const std::string& path, int64_t vocab);

}  // namespace ag::data
