// `allgrad export`: one section's tensors to safetensors or npz.
#include <stdexcept>
#include <variant>

#include "ag/checkpoint.h"
#include "checkpoint_tools.h"
#include "text.h"

namespace ag::tools {

ExportFormat parse_export_format(const std::string& name) {
  if (name == "safetensors") return ExportFormat::Safetensors;
  if (name == "npz") return ExportFormat::Npz;
  throw std::invalid_argument("--format: unknown format '" + name + "' (choose safetensors or npz)");
}

int export_checkpoint(const std::string& path, ExportFormat format, const std::string& out_path, std::ostream& log,
                      const std::string& section) {
  std::string file = resolve_checkpoint_path(path);
  Checkpoint c = load_checkpoint(file);
  const StateDict& dict = c.section(section);
  TensorMap tensors;
  std::string skipped;
  uint64_t bytes = 0;
  for (const StateDict::Entry& e : dict.entries()) {
    if (e.kind() == StateKind::Tensor) {
      tensors.emplace(e.name, std::get<Tensor>(e.value));
      bytes += std::get<Tensor>(e.value).nbytes();
    } else {
      skipped += (skipped.empty() ? "" : ", ") + e.name;
    }
  }
  if (format == ExportFormat::Safetensors) save_safetensors(tensors, out_path);
  else save_npz(tensors, out_path);
  log << "exported " << tensors.size() << " tensors (" << human_bytes(bytes) << ") of section '" << section << "' of "
      << file << " to " << out_path;
  if (!skipped.empty()) log << "; scalars left out: " << skipped;
  log << "\n";
  return 0;
}

}  // namespace ag::tools
