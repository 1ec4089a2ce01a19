// Progress bar, log lines and metrics JSON lines.
#include "train/progress.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "json.h"
#include "standard_streams.h"

namespace ag::tools {

namespace {
// Open MPI (and other launchers) give each rank a pty, so isatty() says yes even when
// the user's stdout is a file: under a launcher the bar's redraws would fill the log.
bool under_mpi_launcher() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}
}  // namespace

Progress::Progress(bool enabled, const std::string& metrics_path)
    : enabled_(enabled), tty_(isatty(STDOUT_FILENO) != 0 && !under_mpi_launcher()) {
  if (!metrics_path.empty()) {
    metrics_ = std::fopen(metrics_path.c_str(), "a");
    if (!metrics_) throw std::runtime_error("--metrics: cannot open '" + metrics_path + "' for writing: " + std::strerror(errno));
    metrics_name_ = "--metrics file '" + metrics_path + "'";
  }
}

Progress::~Progress() {
  end_epoch();
  if (metrics_) std::fclose(metrics_);
}

void Progress::line(const std::string& s) {
  if (!enabled_) return;
  end_epoch();
  std::printf("%s\n", s.c_str());
  flush_or_throw(stdout, "standard output");
}

void Progress::summary(const std::string& s) {
  end_epoch();
  std::printf("%s\n", s.c_str());
  flush_or_throw(stdout, "standard output");
}

void Progress::step(int64_t epoch, int64_t epochs, int64_t batch, int64_t batches, int64_t global_step, double loss,
                    double lr, double sps, double eta_s, int64_t log_every) {
  if (!enabled_) return;
  if (tty_) {
    // At most five redraws a second: cheap, and readable when a launcher's pty is logged to a file.
    auto now = std::chrono::steady_clock::now();
    if (batch + 1 < batches && now - last_draw_ < std::chrono::milliseconds(200)) return;
    last_draw_ = now;
    const int width = 30;
    int filled = batches ? static_cast<int>(width * (batch + 1) / batches) : width;
    std::printf("\repoch %lld/%lld [%.*s%*s] %lld/%lld loss %.4f  %.0f samples/s  ETA %.0fs ",
                static_cast<long long>(epoch + 1), static_cast<long long>(epochs), filled, "==============================",
                width - filled, "", static_cast<long long>(batch + 1), static_cast<long long>(batches), loss, sps, eta_s);
    bar_open_ = true;
    flush_or_throw(stdout, "standard output");
  } else if ((global_step % log_every) == 0) {
    std::printf("step %lld epoch %lld batch %lld/%lld loss %.4f lr %.3g %.0f samples/s\n",
                static_cast<long long>(global_step), static_cast<long long>(epoch + 1), static_cast<long long>(batch + 1),
                static_cast<long long>(batches), loss, lr, sps);
    flush_or_throw(stdout, "standard output");
  }
}

void Progress::end_epoch() {
  if (bar_open_) {
    std::printf("\n");
    bar_open_ = false;
  }
}

void Progress::metrics(int64_t step, int64_t epoch, double loss, double lr, double sps, int64_t skipped,
                       std::optional<double> acc, const std::string& extra) {
  if (!metrics_) return;
  auto num = [](double v) { return std::isfinite(v) ? v : 0.0; };
  std::fprintf(metrics_,
               "{\"step\": %lld, \"epoch\": %lld, \"loss\": %.9g, \"lr\": %.9g, \"samples_per_s\": %.6g, \"skipped_steps\": %lld",
               static_cast<long long>(step), static_cast<long long>(epoch), num(loss), lr, sps, static_cast<long long>(skipped));
  if (acc) std::fprintf(metrics_, ", \"test_accuracy\": %.6f", *acc);
  std::fprintf(metrics_, "%s}\n", extra.c_str());
  flush_or_throw(metrics_, metrics_name_);
}

void Progress::metrics_config(const std::string& settings) {
  if (!metrics_) return;
  std::fprintf(metrics_, "{\"config\": %s}\n", settings.c_str());
  flush_or_throw(metrics_, metrics_name_);
}

void Progress::metrics_checkpoint(int64_t step, const std::string& path, double ms) {
  if (!metrics_) return;
  std::fprintf(metrics_, "{\"checkpoint\": {\"step\": %lld, \"path\": %s, \"ms\": %.3f}}\n", static_cast<long long>(step),
               json::quote(path).c_str(), ms);
  flush_or_throw(metrics_, metrics_name_);
}

}  // namespace ag::tools
