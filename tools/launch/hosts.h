// The hosts of a launch: read from an Open MPI hostfile, probed through the launcher agent.
#pragma once
#include <string>
#include <vector>

namespace ag::tools::launch {

struct Host {
  std::string name;
  int slots = 1;
};

/// `name [slots=N] [max_slots=M]` per line, `#` comments (Open MPI's hostfile format);
/// throws UsageError naming the file and line on anything else.
std::vector<Host> read_hostfile(const std::string& path);

/// localhost, this machine's host name, or an address of one of its interfaces.
bool is_this_machine(const std::string& name);

/// The hosts that run `true` through `agent` (e.g. {"ssh"}, what mpirun would use to
/// start its daemon there) within `timeout_s`, in their order; all probed at once. This machine
/// answers without a probe (mpirun starts its ranks there itself).
std::vector<Host> answering(const std::vector<Host>& hosts, const std::vector<std::string>& agent, double timeout_s);

}  // namespace ag::tools::launch
