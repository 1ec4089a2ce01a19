// What a training run prints (rank 0 only): a progress bar per epoch on a
// terminal in a single process, plain periodic lines otherwise (a file, a pipe,
// any run under an MPI launcher); and the --metrics JSON lines file.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace ag::tools {

class Progress {
 public:
  /// `enabled` false prints nothing (other ranks, --quiet).
  Progress(bool enabled, const std::string& metrics_path);
  ~Progress();
  /// A line of text (start-up facts, evaluation results, the summary).
  void line(const std::string& s);
  /// After each step: the bar on a terminal, a line every `log_every` steps otherwise.
  void step(int64_t epoch, int64_t epochs, int64_t batch, int64_t batches, int64_t global_step, double loss,
            double lr, double samples_per_s, double eta_s, int64_t log_every);
  /// Appends a JSON line to the metrics file (if any); always written by rank 0, even when quiet.
  /// `skipped_steps`: steps dropped so far for non-finite gradients (--nan-policy skip).
  /// `extra`: more members for the line, each written as `, "key": value`.
  void metrics(int64_t step, int64_t epoch, double loss, double lr, double samples_per_s, int64_t skipped_steps,
               std::optional<double> test_accuracy = std::nullopt, const std::string& extra = "");
  /// The metrics file's line `{"config": settings}` (a JSON object), once at start-up.
  void metrics_config(const std::string& settings);
  /// `{"checkpoint": {"step", "path", "ms"}}` after each save, for the report's marks.
  void metrics_checkpoint(int64_t step, const std::string& path, double ms);
  void end_epoch();
  /// The run's last line, printed even when quiet (the caller prints it on rank 0 only);
  /// a failed write throws, naming stdout and the OS error.
  void summary(const std::string& s);

 private:
  bool enabled_, tty_;
  std::FILE* metrics_ = nullptr;
  std::string metrics_name_;
  bool bar_open_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace ag::tools
