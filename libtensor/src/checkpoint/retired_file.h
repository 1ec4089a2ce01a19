// Files on their way out (a checkpoint replaced by a newer save of the same
// name, or pruned by CheckpointDir): renamed out of sight at once, their
// storage released on a background thread.
#pragma once
#include <string>

namespace ag::checkpoint {

// Note [Retired files]
// The last unlink of a 100 MB file costs 15-20 ms on ext4 here (the kernel
// drops its cached pages and frees its blocks), as much as writing it. A save
// that replaces a file, or prunes an old checkpoint, would stall training for
// that long. Instead the old file gets a hidden name in the same directory
// (link() for a file the new one is about to replace, rename() for one being
// pruned), so the visible names change exactly as before, and one background
// thread unlinks the hidden name. Its queue is drained when the process exits.
// A process killed in between leaves ".<name>.old-<pid>-<n>" behind; the next
// CheckpointDir::save in that directory removes it.

/// A fresh hidden name next to `path`: ".<base>.old-<pid>-<n>".
std::string retired_name_for(const std::string& path);
/// True for a name retired_name_for gives.
bool is_retired_name(const std::string& name);
/// The base name a retired name was made from ("" when it is not one).
std::string retired_base(const std::string& name);

/// Unlinks `path` on the background thread. A missing file is fine; other
/// errors are reported on stderr (the file's name is hidden, nothing depends on it).
/// In a child forked from a process whose thread runs, unlinks at once.
void unlink_in_background(std::string path);

/// Blocks until every unlink queued so far has run.
void wait_for_background_unlinks();

/// While one exists the background thread unlinks nothing (tests look at the
/// retired files in between).
class HoldBackgroundUnlinks {
 public:
  HoldBackgroundUnlinks();
  ~HoldBackgroundUnlinks();
  HoldBackgroundUnlinks(const HoldBackgroundUnlinks&) = delete;
  HoldBackgroundUnlinks& operator=(const HoldBackgroundUnlinks&) = delete;
};

}  // namespace ag::checkpoint
