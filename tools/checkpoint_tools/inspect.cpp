// `allgrad inspect`: a checkpoint's header, metadata, tensor statistics and
// scalars, as tables or JSON; --verify prints one line and sets the exit code.
#include <cstdio>
#include <variant>

#include "ag/checkpoint.h"
#include "checkpoint_tools.h"
#include "json.h"
#include "text.h"

namespace ag::tools {

namespace {

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

std::string scalar_text(const StateValue& v) {
  switch (static_cast<StateKind>(v.index())) {
    case StateKind::Int: return std::to_string(std::get<int64_t>(v));
    case StateKind::Double: return fmt_g(std::get<double>(v));
    case StateKind::String: return json::quote(std::get<std::string>(v));
    case StateKind::Tensor: break;
  }
  return "";
}

std::string scalar_json(const StateValue& v) {
  switch (static_cast<StateKind>(v.index())) {
    case StateKind::Int: return std::to_string(std::get<int64_t>(v));
    case StateKind::Double: return json::number(std::get<double>(v));
    case StateKind::String: return json::quote(std::get<std::string>(v));
    case StateKind::Tensor: break;
  }
  return "null";
}

void print_text(const std::string& path, const std::string& warning, const CheckpointHeader& h, const Checkpoint& c, bool stats,
                std::ostream& out) {
  const CheckpointMeta& m = c.meta;
  out << "checkpoint  " << path << "\n";
  if (!warning.empty()) out << "warning     " << warning << "\n";
  out << "file        " << human_bytes(h.file_bytes) << ": format " << h.format_version << ", Boost archive "
      << h.archive_version << ", payload CRC-32C " << hex32(h.payload_crc32c) << " (checked)\n";
  out << "written     by allgrad " << m.allgrad_version << ", " << utc_time(m.created_unix_ms) << "\n";
  out << "model       " << (m.model_spec.empty() ? "(not recorded)" : m.model_spec) << "\n";
  out << "training    epoch " << m.epoch << ", global step " << m.global_step << ", world size " << m.world_size << "\n";
  if (!m.metrics.empty()) {
    out << "metrics    ";
    for (const auto& [k, v] : m.metrics) out << " " << k << "=" << fmt_g(v);
    out << "\n";
  }
  for (const auto& [k, v] : m.user) out << "user        " << k << "=" << v << "\n";

  for (const auto& [name, dict] : c.sections) {
    size_t tensors = dict.tensor_count(), scalars = dict.size() - tensors;
    out << "\nsection '" << name << "': ";
    if (tensors || !scalars)
      out << tensors << " tensor" << (tensors == 1 ? "" : "s") << " (" << human_bytes(dict.tensor_bytes()) << ")"
          << (scalars ? ", " : "");
    if (scalars) out << scalars << " scalar" << (scalars == 1 ? "" : "s");
    out << "\n";
    Table table({"name", "dtype", "shape", ">numel", ">bytes", ">min", ">max", ">mean", ">std", ">l2_norm", ">nan", ">inf"});
    Table scalar_table({"name", "type", "value"});
    for (const StateDict::Entry& e : dict.entries()) {
      if (e.kind() != StateKind::Tensor) {
        scalar_table.add({e.name, state_kind_name(e.kind()), scalar_text(e.value)});
        continue;
      }
      const Tensor& t = std::get<Tensor>(e.value);
      TensorStats s = tensor_stats(t);
      table.add({e.name, dtype_name(t.dtype()), to_string(t.sizes()), std::to_string(t.numel()), human_bytes(t.nbytes()),
                 fmt_g(s.min), fmt_g(s.max), fmt_g(s.mean), fmt_g(s.std), fmt_g(s.l2_norm), std::to_string(s.nan_count),
                 std::to_string(s.inf_count)});
    }
    if (!table.empty()) table.print(out, "  ");
    if (stats)
      for (const StateDict::Entry& e : dict.entries()) {
        if (e.kind() != StateKind::Tensor) continue;
        const Histogram hist = tensor_histogram(std::get<Tensor>(e.value));
        out << "  histogram of " << e.name << " (" << hist.counts.size() << (hist.counts.size() == 1 ? " bin" : " bins") << "):\n"
            << histogram_text(hist, "    ");
      }
    if (!scalar_table.empty()) {
      if (!table.empty()) out << "  scalars:\n";
      scalar_table.print(out, table.empty() ? "  " : "    ");
    }
  }
}

void print_json(const std::string& path, const std::string& warning, const CheckpointHeader& h, const Checkpoint& c, bool stats,
                std::ostream& out) {
  const CheckpointMeta& m = c.meta;
  out << "{\"path\": " << json::quote(path);
  if (!warning.empty()) out << ", \"warning\": " << json::quote(warning);
  out << ",\n \"header\": {\"format_version\": " << h.format_version << ", \"flags\": " << h.flags
      << ", \"payload_bytes\": " << h.payload_bytes << ", \"payload_crc32c\": " << h.payload_crc32c
      << ", \"archive_version\": " << h.archive_version << ", \"file_bytes\": " << h.file_bytes << "},\n";
  out << " \"meta\": {\"allgrad_version\": " << json::quote(m.allgrad_version) << ", \"created_unix_ms\": "
      << m.created_unix_ms << ", \"created_utc\": " << json::quote(utc_time(m.created_unix_ms))
      << ", \"world_size\": " << m.world_size << ", \"model_spec\": " << json::quote(m.model_spec)
      << ", \"epoch\": " << m.epoch << ", \"global_step\": " << m.global_step << ", \"user\": {";
  const char* sep = "";
  for (const auto& [k, v] : m.user) out << sep << json::quote(k) << ": " << json::quote(v), sep = ", ";
  out << "}, \"metrics\": {";
  sep = "";
  for (const auto& [k, v] : m.metrics) out << sep << json::quote(k) << ": " << json::number(v), sep = ", ";
  out << "}},\n \"sections\": {";
  const char* section_sep = "";
  for (const auto& [name, dict] : c.sections) {
    out << section_sep << "\n  " << json::quote(name) << ": {\"tensors\": [";
    section_sep = ",";
    sep = "";
    for (const StateDict::Entry& e : dict.entries()) {
      if (e.kind() != StateKind::Tensor) continue;
      const Tensor& t = std::get<Tensor>(e.value);
      TensorStats s = tensor_stats(t);
      out << sep << "\n    {\"name\": " << json::quote(e.name) << ", \"dtype\": \"" << dtype_name(t.dtype())
          << "\", \"shape\": [";
      for (size_t d = 0; d < t.sizes().size(); ++d) out << (d ? ", " : "") << t.sizes()[d];
      out << "], \"numel\": " << t.numel() << ", \"bytes\": " << t.nbytes() << ", \"min\": " << json::number(s.min)
          << ", \"max\": " << json::number(s.max) << ", \"mean\": " << json::number(s.mean)
          << ", \"std\": " << json::number(s.std) << ", \"l2_norm\": " << json::number(s.l2_norm)
          << ", \"nan\": " << s.nan_count << ", \"inf\": " << s.inf_count;
      if (stats) {
        const Histogram hist = tensor_histogram(t);
        out << ", \"histogram\": {\"lo\": " << json::number(hist.lo) << ", \"hi\": " << json::number(hist.hi) << ", \"counts\": [";
        for (size_t k = 0; k < hist.counts.size(); ++k) out << (k ? ", " : "") << hist.counts[k];
        out << "]}";
      }
      out << "}";
      sep = ",";
    }
    out << "],\n   \"scalars\": [";
    sep = "";
    for (const StateDict::Entry& e : dict.entries()) {
      if (e.kind() == StateKind::Tensor) continue;
      out << sep << "\n    {\"name\": " << json::quote(e.name) << ", \"type\": \"" << state_kind_name(e.kind())
          << "\", \"value\": " << scalar_json(e.value) << "}";
      sep = ",";
    }
    out << "]}";
  }
  out << "}}\n";
}

// "" or, for a directory, its temporaries of saves that were killed, which stay until a run writes there again.
std::string leftovers_note(const std::string& dir, bool first) {
  std::string note;
  for (const CheckpointLeftover& l : CheckpointDir(dir).leftovers())
    note += std::string(first && note.empty() ? "" : "; ") + "leftover " + l.path + " (" + human_bytes(l.bytes) +
            ") of a save by process " + std::to_string(l.pid) + ", which is not running";
  return note.empty() ? note : note + " (the next run writing to this directory removes leftovers)";
}

int verify(const std::string& path_or_dir, bool as_json, std::ostream& out) {
  std::string path = path_or_dir, warning;
  VerifyResult r;
  try {
    path = resolve_checkpoint_path(path_or_dir, &warning);
    r = verify_checkpoint(path);
  } catch (const CheckpointError& e) {
    r = {false, e.reason()};
  } catch (const std::exception& e) {
    r = {false, e.what()};
  }
  if (as_json) {
    out << "{\"path\": " << json::quote(path) << ", \"valid\": " << (r.ok ? "true" : "false")
        << ", \"reason\": " << json::quote(r.reason);
    if (!warning.empty()) out << ", \"warning\": " << json::quote(warning);
    out << "}\n";
  } else {
    out << (r.ok ? "OK " : "INVALID ") << path << ": " << r.reason;
    if (!warning.empty()) out << " (warning: " << warning << ")";
    out << "\n";
  }
  return r.ok ? 0 : 1;
}

}  // namespace

int inspect(const std::string& path_or_dir, const InspectOptions& opts, std::ostream& out) {
  if (opts.verify) return verify(path_or_dir, opts.json, out);
  std::string warning;
  std::string path = resolve_checkpoint_path(path_or_dir, &warning);
  if (path != path_or_dir) warning += leftovers_note(path_or_dir, warning.empty());
  CheckpointHeader h = read_checkpoint_header(path);
  Checkpoint c = load_checkpoint(path);
  if (opts.json) print_json(path, warning, h, c, opts.stats, out);
  else print_text(path, warning, h, c, opts.stats, out);
  return 0;
}

}  // namespace ag::tools
