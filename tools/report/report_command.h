// `allgrad report`: draws runs' --metrics files as one self-contained HTML page.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace ag::tools::report {

/// Arguments after "report"; returns the exit code. Throws UsageError for bad
/// arguments and std::runtime_error for a run it cannot read or a page it cannot write.
int run_report(const std::vector<std::string>& args, std::ostream& out);

}  // namespace ag::tools::report
