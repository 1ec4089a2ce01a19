// What a rank does when its MPI_Abort may never end the job.
#pragma once
#include <chrono>

namespace ag::dist::detail {

/// How long an MPI_Abort may take before the watcher ends this node's launcher.
inline constexpr std::chrono::seconds kLauncherGrace{10};

/// Called just before MPI_Abort. When this rank's parent is Open MPI's launcher on
/// this node (mpirun, or the orted daemon on another node), starts a watcher process
/// that sends it SIGTERM (then SIGKILL) if it is still running `grace` after the
/// abort, and otherwise exits with it. Does nothing under any other parent.
///
/// Why: after a network cut, Open MPI 4.1's mpirun relays the abort to every node's
/// daemon and waits for each to confirm; a message to a daemon behind the cut sits
/// in the kernel's send queue until TCP gives up (net.ipv4.tcp_retries2: about 15
/// minutes with Linux's default), and its out-of-band keepalive is no help once data
/// is queued. Measured: a single SIGTERM to an mpirun stuck that way makes it exit
/// (non-zero) within 2 s; a daemon likewise.
void end_launcher_if_abort_stalls(std::chrono::seconds grace);

}  // namespace ag::dist::detail
