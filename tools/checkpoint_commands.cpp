// Argument parsing for `allgrad inspect`, `diff` and `export`.
#include <cstdlib>
#include <ostream>

#include "ag/checkpoint.h"
#include "checkpoint_tools.h"
#include "cli_args.h"
#include "file_io.h"
#include "train/options.h"

namespace ag::tools {

int run_checkpoint_tool(const std::string& cmd, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (cmd == "inspect") {
    InspectOptions o;
    auto pos = positional(args, {}, {{"--json", &o.json}, {"--verify", &o.verify}, {"--stats", &o.stats}});
    if (pos.size() != 1) throw UsageError("usage: allgrad inspect FILE|DIR [--json] [--verify] [--stats]");
    return inspect(pos[0], o, out);
  }
  if (cmd == "diff") {
    std::string atol = "0";
    auto pos = positional(args, {{"--atol", &atol}}, {});
    if (pos.size() != 2) throw UsageError("usage: allgrad diff A B [--atol X]");
    char* end = nullptr;
    double tol = std::strtod(atol.c_str(), &end);
    if (atol.empty() || *end || tol < 0) throw UsageError("--atol: '" + atol + "' is not a non-negative number");
    return diff(pos[0], pos[1], tol, out);
  }
  std::string format, output, section = "model";
  auto pos = positional(args, {{"--format", &format}, {"-o", &output}, {"--section", &section}}, {});
  if (pos.size() != 1 || format.empty() || output.empty())
    throw UsageError("usage: allgrad export FILE|DIR --format safetensors|npz -o OUT [--section NAME]");
  (void)err;
  ExportFormat fmt;
  try {
    fmt = parse_export_format(format);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());  // a wrong flag value is a usage error (exit 2), like any other
  }
  // Resolved here so that an output that is the input itself (by any name) is refused before it is touched.
  const std::string input = resolve_checkpoint_path(pos[0]);
  if (same_file(input, output))
    throw UsageError("-o " + output + ": is the checkpoint being exported (" + input + "); writing it would destroy it");
  return export_checkpoint(input, fmt, output, out, section);
}

}  // namespace ag::tools
