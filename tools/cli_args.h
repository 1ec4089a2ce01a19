// Argument splitting shared by the allgrad subcommands that take files and a few options.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace ag::tools {

/// The positional arguments of `args`; options in `valued` take the next argument,
/// `switches` take none. An unknown option or a missing value throws UsageError.
std::vector<std::string> positional(const std::vector<std::string>& args, std::vector<std::pair<std::string, std::string*>> valued,
                                    std::vector<std::pair<std::string, bool*>> switches);

}  // namespace ag::tools
