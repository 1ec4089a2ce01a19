// Reading a file through zlib: gzip-compressed files are inflated, others pass through.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace ag::data::detail {

/// A file opened for sequential reading, compressed or not (zlib decides by the magic bytes).
/// Offsets are in the uncompressed data. Errors name the file.
class GzipFile {
 public:
  explicit GzipFile(const std::string& path);
  ~GzipFile();
  GzipFile(const GzipFile&) = delete;
  GzipFile& operator=(const GzipFile&) = delete;

  /// Reads up to n bytes; fewer only at the end of the data. Throws on corrupt or truncated
  /// compressed data, naming the file and the offset reached.
  size_t read(void* dst, size_t n);
  /// Uncompressed bytes read so far.
  uint64_t offset() const { return offset_; }
  bool compressed() const { return compressed_; }
  /// Size of the file on disk.
  uint64_t file_size() const { return file_size_; }
  /// The uncompressed length when it is known up front: the file size for a plain file, the
  /// gzip trailer's length (modulo 2^32, as gzip stores it) for a compressed one.
  std::optional<uint64_t> declared_length() const { return declared_length_; }
  const std::string& path() const { return path_; }

  /// Reads everything that is left.
  std::string read_all();

 private:
  std::string path_;
  void* gz_ = nullptr;
  bool compressed_ = false;
  uint64_t file_size_ = 0;
  std::optional<uint64_t> declared_length_;
  uint64_t offset_ = 0;
};

}  // namespace ag::data::detail
