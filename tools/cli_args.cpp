#include "cli_args.h"

#include "train/options.h"

namespace ag::tools {

std::vector<std::string> positional(const std::vector<std::string>& args, std::vector<std::pair<std::string, std::string*>> valued,
                                    std::vector<std::pair<std::string, bool*>> switches) {
  std::vector<std::string> pos;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool matched = false;
    for (auto& [name, dst] : valued)
      if (a == name) {
        if (i + 1 >= args.size()) throw UsageError(name + " needs a value");
        *dst = args[++i];
        matched = true;
      }
    for (auto& [name, dst] : switches)
      if (a == name) {
        *dst = true;
        matched = true;
      }
    if (matched) continue;
    if (a.rfind("-", 0) == 0) throw UsageError("unknown option " + a);
    pos.push_back(a);
  }
  return pos;
}

}  // namespace ag::tools
