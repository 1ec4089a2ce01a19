// Whole-file reads and all-or-nothing file writes for the export formats.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace ag::tools {

/// The whole file. Throws std::runtime_error "<what> '<path>': <OS error>".
std::string read_file(const std::string& path, const std::string& what);

/// A new file written through a buffer (large pieces go straight to write()).
/// Unless commit() succeeds, the destructor removes it: a failed export leaves
/// no partial file behind. Errors name `what`, the path and the OS error.
class OutputFile {
 public:
  OutputFile(std::string path, std::string what);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(const void* data, size_t n);
  /// Bytes written so far.
  uint64_t position() const { return position_; }
  /// Flushes and closes; the file is complete.
  void commit();

 private:
  void flush();
  void write_fd(const char* p, size_t n);
  [[noreturn]] void fail(const std::string& action) const;
  std::string path_, what_;
  int fd_ = -1;
  std::vector<char> buf_;
  uint64_t position_ = 0;
  bool committed_ = false;
};

}  // namespace ag::tools
