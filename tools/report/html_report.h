// `allgrad report`: one self-contained HTML page (inline SVG and CSS, nothing
// fetched) drawing one or more runs' metrics over each other.
#pragma once
#include <string>
#include <vector>

#include "report/metrics_log.h"

namespace ag::tools::report {

/// The page for these runs, in the order given (the legend's order).
std::string html_report(const std::vector<RunLog>& runs);

/// Exponential moving average with TensorBoard's start-up correction, weight `w`.
std::vector<double> smooth(const std::vector<double>& v, double w);

}  // namespace ag::tools::report
