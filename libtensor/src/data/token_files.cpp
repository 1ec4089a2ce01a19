// Token streams from disk: text as bytes, and llm.c's .bin token files.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "ag/data/token_windows.h"
#include "ag/regular_file.h"

namespace ag::data {

namespace {

// The whole of `path`, which must be a regular file.
std::vector<unsigned char> read_all(const std::string& path) {
  std::string problem;
  int fd = open_regular_file(path, &problem);
  if (fd < 0) throw std::runtime_error(path + ": " + problem);
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw std::runtime_error(path + ": read failed at byte " + std::to_string(out.size()) + ": " + std::strerror(err));
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

}  // namespace

TokenStream read_text_tokens(const std::string& path) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    // Symbolic links are left out: a folder such as fortunes' links foo.u8 to foo,
    // which would read every text twice.
    for (const auto& e : fs::directory_iterator(path, ec))
      if (!e.is_symlink() && e.is_regular_file()) files.push_back(e.path().string());
    if (ec) throw std::runtime_error(path + ": cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end());  // a fixed order, whatever the file system's
    if (files.empty()) throw std::runtime_error(path + ": the folder holds no regular files");
  } else {
    files.push_back(path);
  }
  auto tokens = std::make_shared<std::vector<uint16_t>>();
  const bool folder = files.size() > 1 || files[0] != path;
  for (const auto& f : files) {
    std::vector<unsigned char> bytes = read_all(f);
    // In a folder, binary files (any NUL byte: fortune's .dat indexes, say) are not text.
    if (folder && std::find(bytes.begin(), bytes.end(), 0) != bytes.end()) continue;
    tokens->insert(tokens->end(), bytes.begin(), bytes.end());
  }
  return tokens;
}

TokenStream read_llmc_tokens(const std::string& path, int64_t vocab) {
  constexpr int32_t kMagic = 20240520, kVersion = 1;
  constexpr size_t kHeader = 256 * sizeof(int32_t);
  std::vector<unsigned char> bytes = read_all(path);
  if (bytes.size() < kHeader)
    throw std::runtime_error(path + ": " + std::to_string(bytes.size()) + " bytes, shorter than the " + std::to_string(kHeader) +
                             "-byte header of an llm.c token file");
  auto field = [&](size_t i) {
    int32_t v;
    std::memcpy(&v, bytes.data() + i * sizeof(int32_t), sizeof v);  // little-endian, as llm.c writes it on x86
    return v;
  };
  if (field(0) != kMagic)
    throw std::runtime_error(path + ": byte 0: magic number " + std::to_string(field(0)) + ", not llm.c's " + std::to_string(kMagic) +
                             " (not a token file, or one of another version)");
  if (field(1) != kVersion)
    throw std::runtime_error(path + ": byte 4: version " + std::to_string(field(1)) + ", only version " + std::to_string(kVersion) +
                             " (uint16 tokens) is read");
  const int64_t count = field(2);
  const int64_t have = static_cast<int64_t>((bytes.size() - kHeader) / sizeof(uint16_t));
  if (count < 0) throw std::runtime_error(path + ": byte 8: negative token count " + std::to_string(count));
  if (count != have || (bytes.size() - kHeader) % sizeof(uint16_t) != 0)
    throw std::runtime_error(path + ": byte 8: the header counts " + std::to_string(count) + " tokens but the file holds " +
                             std::to_string(bytes.size() - kHeader) + " bytes after the header (" + std::to_string(have) + " tokens)");
  auto tokens = std::make_shared<std::vector<uint16_t>>(static_cast<size_t>(count));
  std::memcpy(tokens->data(), bytes.data() + kHeader, static_cast<size_t>(count) * sizeof(uint16_t));
  for (int64_t i = 0; i < count; ++i)
    if ((*tokens)[static_cast<size_t>(i)] >= vocab)
      throw std::runtime_error(path + ": byte " + std::to_string(kHeader + static_cast<size_t>(i) * 2) + ": token " + std::to_string(i) +
                               " is " + std::to_string((*tokens)[static_cast<size_t>(i)]) + ", not below the vocabulary size " +
                               std::to_string(vocab));
  return tokens;
}

}  // namespace ag::data
