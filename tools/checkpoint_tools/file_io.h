// Whole-file reads and all-or-nothing file writes for the export formats.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace ag::tools {

/// The whole file. Throws std::runtime_error "<what> '<path>': <OS error>".
std::string read_file(const std::string& path, const std::string& what);

/// True when both paths exist and are one file (same device and inode: hard links,
/// symbolic links and other spellings of one path included).
bool same_file(const std::string& a, const std::string& b);

/// A file written through a buffer (large pieces go straight to write()). A regular
/// file (or a new one) is written as a temporary beside it that commit() renames
/// into place: until then `path` is untouched, and a failure removes only the
/// temporary. Anything else that exists at `path` (a device such as /dev/null, a
/// named pipe) is written directly and never removed. Errors name `what`, the
/// path and the OS error.
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
  std::string temp_;  // empty when writing to `path_` directly
  int fd_ = -1;
  std::vector<char> buf_;
  uint64_t position_ = 0;
  bool committed_ = false;
};

}  // namespace ag::tools
