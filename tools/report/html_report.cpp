#include "report/html_report.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "report/svg_chart.h"

namespace ag::tools::report {

namespace {

constexpr double kSmoothing = 0.8;
const char* const kPhaseNames[kPhases] = {"data", "forward", "backward", "comm wait", "optimizer", "checkpoint"};
const char* const kPhaseColors[kPhases] = {"#8c564b", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#7f7f7f"};

const char* kStyle = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ccc; }
.legend span { display: inline-block; margin-right: 18px; } .legend i { display: inline-block; width: 22px; height: 4px; margin-right: 6px; vertical-align: middle; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
svg.chart { width: 480px; max-width: 100%; height: auto; } svg.chart.wide { width: 720px; } svg.chart.hist { width: 300px; }
svg.chart .bin { fill: #1f77b4; }
svg.chart .title { font-size: 14px; font-weight: 600; } svg.chart .tick { font-size: 11px; fill: #444; } svg.chart .axis { font-size: 12px; }
svg.chart .grid { stroke: #e4e4e4; } svg.chart .frame { fill: none; stroke: #999; }
svg.chart .series { fill: none; stroke-width: 1.8; } svg.chart .series.faint { stroke-width: 1; stroke-opacity: 0.3; }
svg.chart .mark { fill: #e8a000; } svg.chart .mark.checkpoint { fill: #555; }
svg.chart .mark.restart { stroke: #d62728; stroke-width: 1.5; stroke-dasharray: 5 3; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; } td.l, th.l { text-align: left; }
.note { color: #666; font-size: 12px; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  .charts { display: block; } svg.chart { width: 48%; page-break-inside: avoid; break-inside: avoid; } svg.chart.wide { width: 80%; }
  h2 { break-after: avoid; } table { break-inside: avoid; }
}
)";

std::string fixed(double v, int digits) {
  char b[48];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string text_of(const json::Value& v) {
  switch (v.kind) {
    case json::Value::Kind::String: return v.string;
    case json::Value::Kind::Number: return v.is_int ? std::to_string(v.integer) : fixed(v.number, 6);
    case json::Value::Kind::Bool: return v.boolean ? "true" : "false";
    case json::Value::Kind::Null: return "null";
    default: return "(structured)";
  }
}

// Steps where the run's count of skipped steps grew since the previous logged line.
std::vector<double> skipped_marks(const RunLog& r) {
  std::vector<double> out;
  int64_t before = 0;
  for (const auto& s : r.steps) {
    if (s.skipped_steps > before) out.push_back(s.step);
    before = s.skipped_steps;
  }
  return out;
}

Series series(const RunLog& r, size_t i, const std::string& label, const std::vector<double>& x, const std::vector<double>& y) {
  return Series{r.name, label, x, y, palette(i)};
}

std::string legend(const std::vector<RunLog>& runs) {
  std::string o = "<p class=\"legend\">";
  for (size_t i = 0; i < runs.size(); ++i)
    o += "<span class=\"run\"><i style=\"background:" + std::string(palette(i)) + "\"></i>" + escape(runs[i].name) + "</span>";
  return o + "</p>\n";
}

std::string config_tables(const std::vector<RunLog>& runs) {
  std::string o = "<h2>Configuration</h2>\n";
  for (const auto& r : runs) {
    o += "<h3>" + escape(r.name) + "</h3>\n";
    if (!r.config || r.config->kind != json::Value::Kind::Object) {
      o += "<p class=\"note\">" + escape(r.path) + " holds no configuration line (written by an older allgrad).</p>\n";
      continue;
    }
    o += "<table>\n";
    for (const auto& [k, v] : r.config->object) {
      if (v.kind == json::Value::Kind::Object)
        for (const auto& [k2, v2] : v.object) o += "<tr><th class=\"l\">" + escape(k2) + "</th><td class=\"l\">" + escape(text_of(v2)) + "</td></tr>\n";
      else
        o += "<tr><th class=\"l\">" + escape(k) + "</th><td class=\"l\">" + escape(text_of(v)) + "</td></tr>\n";
    }
    o += "</table>\n";
  }
  return o;
}

LineChart step_chart(const std::string& title, const std::string& y_label) {
  LineChart c;
  c.title = title;
  c.x_label = "step";
  c.y_label = y_label;
  return c;
}

std::string training_charts(const std::vector<RunLog>& runs) {
  LineChart loss = step_chart("Training loss", "loss"), lr = step_chart("Learning rate", "lr"), sps = step_chart("Throughput", "samples/s");
  std::map<std::string, LineChart> evals;
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunLog& r = runs[i];
    std::vector<double> x, l, rate, speed;
    for (const auto& s : r.steps) x.push_back(s.step), l.push_back(s.loss), rate.push_back(s.lr), speed.push_back(s.samples_per_s);
    Series raw = series(r, i, "loss", x, l);
    raw.faint = true;
    loss.series.push_back(raw);
    loss.series.push_back(series(r, i, "loss-smoothed", x, smooth(l, kSmoothing)));
    lr.series.push_back(series(r, i, "lr", x, rate));
    sps.series.push_back(series(r, i, "samples_per_s", x, speed));
    const std::string who = runs.size() > 1 ? r.name + ": " : "";
    for (double m : skipped_marks(r)) loss.marks.push_back({m, "skipped", who + "skipped step (non-finite gradients)"});
    for (double m : r.checkpoints) loss.marks.push_back({m, "checkpoint", who + "checkpoint saved"});
    for (double m : r.restarts) loss.marks.push_back({m, "restart", who + "process (re)started"});
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_key;
    for (const auto& e : r.evals) by_key[e.key].first.push_back(e.step), by_key[e.key].second.push_back(e.value);
    for (const auto& [key, xy] : by_key) {
      LineChart& c = evals[key];
      if (c.title.empty()) c = key == "test_accuracy" ? step_chart("Test accuracy", "accuracy") : step_chart("Test MSE", "mse");
      Series s = series(r, i, key, xy.first, xy.second);
      s.points = true;
      c.series.push_back(s);
    }
  }
  std::string o = "<h2>Training</h2>\n<div class=\"charts\">\n" + line_chart(loss);
  for (const auto& [key, c] : evals) o += line_chart(c);
  o += line_chart(lr) + line_chart(sps) + "</div>\n";
  o += "<p class=\"note\">Loss: raw (faint) and smoothed (exponential moving average, weight " + fixed(kSmoothing, 1) +
       "). Under the loss axis: triangles mark steps skipped for non-finite gradients (logged at the next metrics line), squares "
       "the checkpoints saved; dashed lines mark where a process started again (resumed from a checkpoint).</p>\n";
  return o;
}

// Each rank's mean over the run's logged lines, ms per step.
std::vector<std::array<double, kPhases>> mean_timings(const RunLog& r) {
  std::vector<std::array<double, kPhases>> sum;
  size_t n = 0;
  for (const auto& s : r.steps) {
    if (s.ranks.empty()) continue;
    if (sum.size() < s.ranks.size()) sum.resize(s.ranks.size(), {});
    for (size_t k = 0; k < s.ranks.size(); ++k)
      for (int p = 0; p < kPhases; ++p) sum[k][static_cast<size_t>(p)] += s.ranks[k][static_cast<size_t>(p)];
    ++n;
  }
  for (auto& row : sum)
    for (double& v : row) v /= static_cast<double>(n);
  return sum;
}

std::string timing_section(const std::vector<RunLog>& runs) {
  StackedBars bars;
  bars.title = "Time per step by rank";
  bars.x_label = "ms per step (mean over logged steps)";
  for (int p = 0; p < kPhases; ++p) bars.segment_names.push_back(kPhaseNames[p]), bars.segment_colors.push_back(kPhaseColors[p]);
  std::string table = "<table class=\"timings\">\n<tr><th class=\"l\">run</th><th>rank</th>";
  for (int p = 0; p < kPhases; ++p) table += "<th>" + std::string(kPhaseNames[p]) + "</th>";
  table += "<th>own total</th></tr>\n";
  for (const auto& r : runs) {
    auto means = mean_timings(r);
    for (size_t k = 0; k < means.size(); ++k) {
      std::string label = (runs.size() > 1 ? r.name + " " : "") + "rank " + std::to_string(k);
      bars.bar_labels.push_back(label);
      bars.values.emplace_back(means[k].begin(), means[k].end());
      double own = 0;
      table += "<tr><td class=\"l\">" + escape(r.name) + "</td><td>" + std::to_string(k) + "</td>";
      for (int p = 0; p < kPhases; ++p) {
        table += "<td>" + fixed(means[k][static_cast<size_t>(p)], 3) + "</td>";
        if (p != 3) own += means[k][static_cast<size_t>(p)];
      }
      table += "<td>" + fixed(own, 3) + "</td></tr>\n";
    }
  }
  if (bars.bar_labels.empty()) return "<h2>Time per step</h2>\n<p class=\"note\">No step timings in these metrics.</p>\n";
  return "<h2>Time per step</h2>\n<div class=\"charts\">\n" + stacked_bars(bars) + "</div>\n" + table +
         "</table>\n<p class=\"note\">Milliseconds per step. Own total: everything but the wait for the gradient exchange, which "
         "is time the slower ranks cost the others.</p>\n";
}

}  // namespace

std::vector<double> smooth(const std::vector<double>& v, double w) {
  std::vector<double> out;
  double acc = 0, weight = 0;
  for (double x : v) {
    acc = acc * w + (1 - w) * x;
    weight = weight * w + (1 - w);
    out.push_back(acc / weight);
  }
  return out;
}

namespace {

std::string checkpoint_section(const std::vector<CheckpointHistograms>& checkpoints) {
  if (checkpoints.empty()) return "";
  std::string o = "<h2>Parameters</h2>\n";
  for (const auto& c : checkpoints) {
    o += "<h3>" + escape(c.run) + ": " + escape(c.path) + "</h3>\n<div class=\"charts\">\n";
    for (const auto& t : c.tensors) o += histogram_chart({t.name, t.lo, t.hi, t.counts});
    o += "</div>\n";
  }
  return o + "<p class=\"note\">Histograms of the model's tensors in each run's latest checkpoint (finite values, 20 equal bins "
             "from the smallest to the largest; allgrad inspect --stats prints them as text).</p>\n";
}

}  // namespace

std::string html_report(const std::vector<RunLog>& runs, const std::vector<CheckpointHistograms>& checkpoints) {
  std::string title = "allgrad report";
  if (runs.size() == 1) title += ": " + runs[0].name;
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(title) + "</title>\n<style>" + kStyle +
         "</style>\n</head>\n<body>\n<h1>" + escape(title) + "</h1>\n" + legend(runs) + training_charts(runs) + timing_section(runs) +
         checkpoint_section(checkpoints) + config_tables(runs) + "</body>\n</html>\n";
}

}  // namespace ag::tools::report
