// Opening an input file that must be a regular file, without ever blocking: a
// named pipe, a device or a socket given where a file is expected is refused
// at once, naming what it is, instead of waiting forever for a writer.
#pragma once
#include <string>

namespace ag {

/// Opens `path` read-only (close-on-exec) if it is a regular file. The open itself
/// cannot block (O_NONBLOCK, cleared again once the file is known to be regular).
/// Returns the descriptor, or -1 with `*problem` set to one line without the path:
/// "cannot open: <OS error>", or "is a named pipe (FIFO), not a regular file" (a
/// directory, a character or block device, a socket likewise). errno is the open's
/// error, or 0 for a file that is not regular.
int open_regular_file(const std::string& path, std::string* problem);

}  // namespace ag
