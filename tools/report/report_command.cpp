// `allgrad report RUN... -o FILE.html`: arguments, reading the runs, writing the page.
#include "report/report_command.h"

#include <filesystem>
#include <optional>

#include "ag/checkpoint.h"
#include "checkpoint_tools.h"
#include "cli_args.h"
#include "file_io.h"
#include "report/html_report.h"
#include "train/options.h"

namespace ag::tools::report {

namespace {

// The model section of the latest checkpoint in `run` when it is a checkpoint directory.
std::optional<CheckpointHistograms> latest_checkpoint_histograms(const std::string& run) {
  std::error_code ec;
  if (!std::filesystem::is_directory(run, ec)) return std::nullopt;
  std::optional<LatestCheckpoint> latest = CheckpointDir(run).latest();
  if (!latest) return std::nullopt;
  Checkpoint c = load_checkpoint(latest->path);
  if (!c.has_section("model")) return std::nullopt;
  CheckpointHistograms out{run, latest->path, {}};
  for (const StateDict::Entry& e : c.section("model").entries()) {
    if (e.kind() != StateKind::Tensor) continue;
    Histogram h = tensor_histogram(std::get<Tensor>(e.value), 20);
    out.tensors.push_back({e.name, h.lo, h.hi, std::move(h.counts)});
  }
  return out;
}

}  // namespace

const char* const kReportUsage =
    "usage: allgrad report RUN... -o FILE.html\n"
    "  RUN: a --metrics file of allgrad train, or a directory holding one named metrics.jsonl\n"
    "  (train with --checkpoint-dir DIR --metrics DIR/metrics.jsonl). Several runs are drawn over each other.\n";

int run_report(const std::vector<std::string>& args, std::ostream& out) {
  std::string output;
  bool help = false;
  auto runs = positional(args, {{"-o", &output}}, {{"--help", &help}, {"-h", &help}});
  if (help) {
    out << kReportUsage;
    return 0;
  }
  if (runs.empty() || output.empty())
    throw UsageError(std::string(runs.empty() ? "no RUN given" : "no -o FILE.html given") + " (usage: allgrad report RUN... -o FILE.html)");
  std::vector<RunLog> logs;
  std::vector<CheckpointHistograms> checkpoints;
  for (const auto& r : runs) {
    logs.push_back(load_run(r));
    if (auto c = latest_checkpoint_histograms(r)) checkpoints.push_back(std::move(*c));
  }
  const std::string html = html_report(logs, checkpoints);
  OutputFile f(output, "report");
  f.write(html.data(), html.size());
  f.commit();
  out << "report of " << logs.size() << (logs.size() == 1 ? " run" : " runs") << " written to " << output << "\n";
  return 0;
}

}  // namespace ag::tools::report
