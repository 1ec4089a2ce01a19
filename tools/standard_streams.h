// The process's standard descriptors and its written output: what the CLI does
// so that no file lands on descriptors 0-2 and no failed write goes unnoticed.
#pragma once
#include <cstdio>
#include <string>

namespace ag::tools {

/// Opens /dev/null onto any of descriptors 0, 1, 2 that is closed. Called first in
/// main(): otherwise the next file opened (--metrics, a checkpoint) takes the free
/// number and log lines meant for stdout are written into it.
void ensure_standard_fds();

/// Flushes `f` and throws std::runtime_error "cannot write <what>: <OS error>" when
/// that or any earlier write to it failed (a full disk, /dev/full, a closed pipe).
/// The OS error is known only for a failure during this flush: call it after each
/// piece of output that matters. A reader that closed its end (EPIPE: `| head`,
/// `| grep -q`) is no failure: it has read what it wanted, and the rest is dropped.
void flush_or_throw(std::FILE* f, const std::string& what);

/// Writes `text` to `f`, then flush_or_throw: a failure throws with its OS error.
void write_or_throw(std::FILE* f, const std::string& text, const std::string& what);

}  // namespace ag::tools
