// Atomic replacement of a file: write a temporary in the same directory,
// fsync it, rename it over the target, fsync the directory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace ag::checkpoint {

// Note [Atomic save]
// rename() within one directory is atomic: readers see the old file or the new
// one, never a mix. fsync before the rename makes the new content durable
// before its name is; fsync of the directory afterwards makes the name
// durable. A save that fails or is killed leaves only a temporary, which is
// hidden (leading '.') and never matches ckpt-<step>.agc, so the previous
// checkpoint stays valid and stays the latest.

/// A temporary file next to `target` that becomes `target` on commit().
/// Destroying it uncommitted removes the temporary.
class AtomicFile {
 public:
  explicit AtomicFile(std::string target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Descriptor of the temporary, open for writing.
  int fd() const { return fd_; }
  const std::string& target() const { return target_; }
  const std::string& temp_path() const { return temp_; }
  /// Reserves `n` bytes of disk for the file up front: a full disk fails here,
  /// before anything is written, and ext4 allocates blocks once instead of per
  /// write (4.4 GB/s instead of 2.9 GB/s into the page cache here). Skipped on
  /// tmpfs, where it would zero pages that write() then overwrites.
  void preallocate(uint64_t n);
  /// Writes all `n` bytes at `offset` (pwrite, retried on short writes).
  void write_at(const void* data, size_t n, uint64_t offset);
  /// fsync, close, rename over the target, fsync the directory. A file it
  /// replaces is released in the background (Note [Retired files]).
  void commit();

 private:
  [[noreturn]] void fail_os(const std::string& what, int err) const;
  std::string target_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

/// The directory part of `path` ("." for a bare name), trailing slashes ignored.
std::string parent_dir(const std::string& path);
/// The last component of `path`.
std::string base_name(const std::string& path);
/// True for a name AtomicFile gives a temporary of a file called `base`
/// (".<base>.tmp-<pid>-<n>"), or of any file when `base` is empty.
bool is_temp_name(const std::string& name, const std::string& base = "");
/// fsync of a directory, so a rename or unlink in it is durable.
/// Throws CheckpointError naming `for_path`.
void fsync_dir(const std::string& dir, const std::string& for_path);

}  // namespace ag::checkpoint
