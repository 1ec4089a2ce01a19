// Checkpoints: metadata plus named StateDict sections, saved atomically to a
// self-describing file (header + CRC-32C + Boost.Serialization archive) and
// loaded with every length checked before it is trusted.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ag/state_dict.h"

namespace ag {

/// Facts about a training run stored next to its state.
struct CheckpointMeta {
  /// allgrad version that wrote the file; save_checkpoint fills it when empty.
  std::string allgrad_version;
  /// Creation time in milliseconds since the Unix epoch (UTC); save_checkpoint
  /// fills it when 0. Set it yourself for byte-identical files.
  int64_t created_unix_ms = 0;
  /// Number of ranks that trained the state.
  int64_t world_size = 1;
  /// The model, as a registry spec ("mlp:784,256,128,10"); free text for custom models.
  std::string model_spec;
  /// Epochs completed.
  int64_t epoch = 0;
  /// Optimizer steps taken.
  int64_t global_step = 0;
  /// Free-form key/values (command line, git revision, ...).
  std::map<std::string, std::string> user;
  /// The most recent metrics (loss, accuracy, ...).
  std::map<std::string, double> metrics;
};

/// A checkpoint: metadata and named sections ("model", "optimizer", "scheduler",
/// "rng", "loader", ... any names).
struct Checkpoint {
  CheckpointMeta meta;
  std::map<std::string, StateDict> sections;

  /// True when the section exists.
  bool has_section(const std::string& name) const { return sections.count(name) != 0; }
  /// The section `name`; throws naming the sections present when it is missing.
  const StateDict& section(const std::string& name) const;
};

/// A bad, unreadable or unwritable checkpoint. what() is "checkpoint '<path>': <reason>".
class CheckpointError : public std::runtime_error {
 public:
  CheckpointError(std::string path, std::string reason);
  /// The file (or directory) concerned.
  const std::string& path() const { return path_; }
  /// What is wrong, without the path: one line.
  const std::string& reason() const { return reason_; }

 private:
  std::string path_, reason_;
};

/// The fixed header at the start of a checkpoint file.
struct CheckpointHeader {
  uint32_t format_version = 0;   ///< layout of the file (kCheckpointFormatVersion when written by this build)
  uint64_t flags = 0;            ///< feature bits; 0 today
  uint64_t payload_bytes = 0;    ///< bytes of the Boost archive after the header
  uint32_t payload_crc32c = 0;   ///< CRC-32C of the payload
  uint32_t archive_version = 0;  ///< Boost.Serialization archive version of the writer
  uint64_t header_bytes = 0;     ///< where the payload starts
  uint64_t file_bytes = 0;       ///< size of the file
};

/// The checkpoint format this build writes (and the newest it reads).
inline constexpr uint32_t kCheckpointFormatVersion = 1;
/// The allgrad version compiled into this library ("0.1.0").
const char* allgrad_version();

/// Writes `ckpt` to `path` atomically: a temporary file in the same directory,
/// fsync, rename over `path`, fsync of the directory. On any failure the
/// previous file at `path` is untouched and the temporary is removed; the
/// CheckpointError names the file and the OS error. Never mutates `ckpt`.
void save_checkpoint(const Checkpoint& ckpt, const std::string& path);

/// Reads and validates a checkpoint: header fields, the payload length against
/// the file size, the CRC, then every inner length against the bytes that
/// remain before anything is allocated. Throws CheckpointError naming the file
/// and the problem (with the byte offset where it has one).
/// Tensor data is read once, into one buffer the loaded tensors share; it is
/// freed when the last of them is released.
Checkpoint load_checkpoint(const std::string& path);

/// Reads and checks the fixed header only (magic, version, flags, header CRC,
/// payload length against the file size); does not read the payload.
CheckpointHeader read_checkpoint_header(const std::string& path);

/// Outcome of verify_checkpoint.
struct VerifyResult {
  bool ok = false;
  /// One line: a summary when valid ("format 1, 3 sections, 12 tensors, ..."), the problem otherwise.
  std::string reason;
};

/// Checks everything load_checkpoint checks, without throwing.
VerifyResult verify_checkpoint(const std::string& path);

/// The newest valid checkpoint of a directory, and what was passed over to find it.
struct LatestCheckpoint {
  std::string path;
  int64_t step = 0;
  /// One line per newer file that is not a valid checkpoint: "ckpt-000600.agc: <reason>".
  std::vector<std::string> skipped;
  /// Empty, or a warning saying which newer files were skipped and which file is used.
  std::string warning() const;
};

/// Exclusive use of a checkpoint directory by one writer for the lock's life: the
/// file ".allgrad-lock" inside it, locked with flock (so the kernel releases it
/// when the holder dies, even by SIGKILL) and holding the holder's host and pid.
class CheckpointDirLock {
 public:
  /// Creates the directory if its parent exists, then takes the lock. Throws
  /// CheckpointError naming the holder's host and pid when another writer has it.
  explicit CheckpointDirLock(const std::string& dir);
  ~CheckpointDirLock();
  CheckpointDirLock(const CheckpointDirLock&) = delete;
  CheckpointDirLock& operator=(const CheckpointDirLock&) = delete;

 private:
  int fd_ = -1;
};

/// A temporary file of a save that never finished (its writer was killed).
struct CheckpointLeftover {
  std::string path;
  uint64_t bytes = 0;
  /// The process that wrote it, from its name; it is not running on this host.
  int64_t pid = 0;
};

/// A directory of ckpt-<step>.agc files (steps zero-padded to 6 digits) that
/// keeps the newest `keep` of them. One writer per directory: the first save
/// (or lock()) takes a CheckpointDirLock, held while this object (or a copy) lives.
class CheckpointDir {
 public:
  /// `keep` = how many checkpoints to keep (0 keeps all). Touches nothing on disk.
  explicit CheckpointDir(std::string dir, int keep = 3);

  /// The directory.
  const std::string& dir() const { return dir_; }
  /// How many checkpoints save() keeps.
  int keep() const { return keep_; }
  /// dir/ckpt-000500.agc for step 500.
  std::string path_for_step(int64_t step) const;

  /// Saves `ckpt` as path_for_step(ckpt.meta.global_step), creating the
  /// directory if needed. Only after the new file is durably in place does it
  /// delete checkpoints beyond the newest `keep` (never the new one) and
  /// temporaries left by interrupted saves. Returns the new file's path.
  std::string save(const Checkpoint& ckpt) const;

  /// A checkpoint file found by name.
  struct Entry {
    int64_t step;
    std::string path;
  };
  /// Files named exactly ckpt-<digits>.agc, by step ascending, not validated.
  std::vector<Entry> list() const;

  /// The newest checkpoint whose header and CRC are valid, or nullopt when the
  /// directory holds no ckpt-<step>.agc file. Temporaries are never candidates;
  /// invalid newer files are listed in `skipped`. Throws CheckpointError when
  /// there are checkpoint files but none is valid (resuming from nothing would
  /// silently restart training).
  std::optional<LatestCheckpoint> latest() const;

  /// Takes the directory for this writer unless already taken (CheckpointDirLock),
  /// then removes the leftovers of dead writers. save() calls it; a program calls it
  /// at start-up, in the process that will save (rank 0), to fail before any work
  /// when another run writes here. Throws CheckpointError naming the holder.
  void lock() const;

  /// Temporaries of saves whose writer is no longer running: neither a live process
  /// on this host nor the directory's current lock holder.
  std::vector<CheckpointLeftover> leftovers() const;

 private:
  std::string dir_;
  int keep_;
  mutable std::shared_ptr<CheckpointDirLock> lock_;
};

/// Where a checkpoint argument points: a file as is, a directory as its latest
/// valid checkpoint. Throws CheckpointError when nothing usable is there. When
/// newer files were skipped the warning goes to `*warning`, or to std::cerr
/// when `warning` is null, so it is never lost.
std::string resolve_checkpoint_path(const std::string& path, std::string* warning = nullptr);

/// Checks at start-up that `dir` can hold checkpoints: creates it when its
/// parent exists, and proves it writable by creating and removing a file.
/// Throws CheckpointError naming the directory and the reason otherwise.
void ensure_writable_dir(const std::string& dir);

}  // namespace ag
