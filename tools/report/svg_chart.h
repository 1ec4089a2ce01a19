// Charts as inline SVG text, so a report is one self-contained file: a line chart
// (several series, optional marks on the x axis) and a horizontal stacked-bar chart.
#pragma once
#include <string>
#include <vector>

namespace ag::tools::report {

/// `s` with &, <, >, " and ' escaped, for HTML text and attribute values.
std::string escape(const std::string& s);

/// The n-th colour of a fixed palette (wraps around).
const char* palette(size_t n);

struct Series {
  std::string run;    // data-run attribute: which run it belongs to
  std::string label;  // data-series attribute: what it shows ("loss", "loss-smoothed", ...)
  std::vector<double> x, y;
  std::string color;
  bool faint = false;   // thin and translucent (raw values under a smoothed line)
  bool points = false;  // a dot at each point (few points, e.g. evaluations)
};

/// An event on the step axis. Kinds draw differently: "skipped" a triangle under the
/// axis, "checkpoint" a square under it, "restart" a dashed line across the plot.
struct Mark {
  double x = 0;
  std::string kind;   // data-mark attribute
  std::string label;  // tooltip
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  std::vector<Mark> marks;
};

std::string line_chart(const LineChart& c);

struct StackedBars {
  std::string title, x_label;
  std::vector<std::string> segment_names;  // one colour each, in a legend
  std::vector<std::string> segment_colors;
  std::vector<std::string> bar_labels;
  std::vector<std::vector<double>> values;  // per bar, per segment
};

std::string stacked_bars(const StackedBars& c);

/// Counts in equal bins over [lo, hi] as vertical bars (a tensor's histogram), small.
struct HistogramChart {
  std::string title;
  double lo = 0, hi = 0;
  std::vector<int64_t> counts;
};

std::string histogram_chart(const HistogramChart& c);

}  // namespace ag::tools::report
