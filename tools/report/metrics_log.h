// A run's --metrics file read back for `allgrad report`: its configuration, the
// logged steps (with per-rank timings when present) and the evaluations.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "json.h"

namespace ag::tools::report {

inline constexpr int kPhases = 6;
/// The step-timing keys of a metrics line, in the order of the step.
inline constexpr std::array<const char*, kPhases> kPhaseKeys = {"data_ms", "forward_ms", "backward_ms", "comm_wait_ms", "optim_ms", "ckpt_ms"};

struct StepRow {
  double step = 0, loss = 0, lr = 0, samples_per_s = 0;
  int64_t skipped_steps = 0;
  /// Per rank (outer), per phase: ms per step. Empty when the line has no timings.
  std::vector<std::array<double, kPhases>> ranks;
};

struct EvalRow {
  double step = 0;
  std::string key;  // "test_accuracy" or "test_mse"
  double value = 0;
};

struct RunLog {
  std::string name;  // as given on the command line
  std::string path;  // the metrics file read
  std::optional<json::Value> config;  // the first {"config": ...} line
  std::vector<StepRow> steps;
  std::vector<EvalRow> evals;
  /// Steps after which a checkpoint was saved.
  std::vector<double> checkpoints;
  /// Steps a process (re)started from: each configuration line after the first, and the
  /// first when it resumed a checkpoint.
  std::vector<double> restarts;
};

/// Reads `run`: a metrics file, or a directory holding one named metrics.jsonl.
/// Throws std::runtime_error naming the file (and line) for a missing file, a line
/// that is not JSON or a line without the members a metrics line has.
RunLog load_run(const std::string& run);

/// Where `run` keeps its metrics: itself, or run/metrics.jsonl for a directory.
std::string metrics_path(const std::string& run);

}  // namespace ag::tools::report
