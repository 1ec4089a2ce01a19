// `allgrad report`: one self-contained HTML page (inline SVG and CSS, nothing
// fetched) drawing one or more runs' metrics over each other.
#pragma once
#include <string>
#include <vector>

#include "report/metrics_log.h"

namespace ag::tools::report {

/// One tensor's histogram, for the checkpoint section.
struct TensorHistogram {
  std::string name;
  double lo = 0, hi = 0;
  std::vector<int64_t> counts;
};

/// The model tensors of a run's latest checkpoint.
struct CheckpointHistograms {
  std::string run, path;
  std::vector<TensorHistogram> tensors;
};

/// The page for these runs, in the order given (the legend's order), with the
/// histograms of the checkpoints found in the runs' directories.
std::string html_report(const std::vector<RunLog>& runs, const std::vector<CheckpointHistograms>& checkpoints = {});

/// Exponential moving average with TensorBoard's start-up correction, weight `w`.
std::vector<double> smooth(const std::vector<double>& v, double w);

}  // namespace ag::tools::report
