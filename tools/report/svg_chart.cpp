#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ag::tools::report {

namespace {

constexpr double kWidth = 640, kHeight = 280, kLeft = 70, kRight = 16, kTop = 30, kBottom = 44;

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

std::string tick_text(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", std::abs(v) < 1e-12 ? 0.0 : v);
  return b;
}

struct Range {
  double lo, hi;
};

// Round tick steps (1, 2 or 5 times a power of ten), about five of them.
std::vector<double> ticks(Range r) {
  double raw = (r.hi - r.lo) / 5, p = std::pow(10, std::floor(std::log10(raw))), step = p;
  for (double m : {2.0, 5.0, 10.0})
    if (step < raw) step = p * m;
  std::vector<double> out;
  for (double t = std::ceil(r.lo / step) * step; t <= r.hi + step * 1e-9; t += step) out.push_back(t);
  return out;
}

Range range_of(const std::vector<const std::vector<double>*>& vs, bool pad) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto* v : vs)
    for (double x : *v)
      if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  if (!std::isfinite(lo)) return {0, 1};
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) return {lo - 0.5 * std::max(1.0, std::abs(lo)) * 0.1, hi + 0.5 * std::max(1.0, std::abs(hi)) * 0.1};
  double m = pad ? (hi - lo) * 0.05 : 0;
  return {lo - m, hi + m};
}

std::string svg_open(double height, const std::string& title, const char* cls = "chart", double width = kWidth) {
  return std::string("<svg class=\"") + cls + "\" viewBox=\"0 0 " + num(width) + " " + num(height) + "\" role=\"img\" aria-label=\"" +
         escape(title) + "\">\n<text class=\"title\" x=\"" + num(width / 2) + "\" y=\"18\" text-anchor=\"middle\">" + escape(title) + "</text>\n";
}

}  // namespace

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* palette(size_t n) {
  static const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
  return kColors[n % (sizeof kColors / sizeof kColors[0])];
}

std::string line_chart(const LineChart& c) {
  std::vector<const std::vector<double>*> xs, ys;
  for (const auto& s : c.series) xs.push_back(&s.x), ys.push_back(&s.y);
  std::vector<double> marks;
  for (const auto& m : c.marks) marks.push_back(m.x);
  xs.push_back(&marks);
  const Range xr = range_of(xs, false), yr = range_of(ys, true);
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto X = [&](double x) { return kLeft + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
  auto Y = [&](double y) { return kTop + ph - (y - yr.lo) / (yr.hi - yr.lo) * ph; };
  std::string o = svg_open(kHeight, c.title);
  for (double t : ticks(yr))
    o += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + pw) + "\" y1=\"" + num(Y(t)) + "\" y2=\"" + num(Y(t)) + "\"/><text class=\"tick\" x=\"" +
         num(kLeft - 6) + "\" y=\"" + num(Y(t) + 4) + "\" text-anchor=\"end\">" + tick_text(t) + "</text>\n";
  for (double t : ticks(xr))
    o += "<line class=\"grid\" y1=\"" + num(kTop) + "\" y2=\"" + num(kTop + ph) + "\" x1=\"" + num(X(t)) + "\" x2=\"" + num(X(t)) + "\"/><text class=\"tick\" x=\"" +
         num(X(t)) + "\" y=\"" + num(kTop + ph + 16) + "\" text-anchor=\"middle\">" + tick_text(t) + "</text>\n";
  o += "<rect class=\"frame\" x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(pw) + "\" height=\"" + num(ph) + "\"/>\n";
  o += "<text class=\"axis\" x=\"" + num(kLeft + pw / 2) + "\" y=\"" + num(kHeight - 6) + "\" text-anchor=\"middle\">" + escape(c.x_label) + "</text>\n";
  o += "<text class=\"axis\" transform=\"rotate(-90)\" x=\"" + num(-(kTop + ph / 2)) + "\" y=\"14\" text-anchor=\"middle\">" + escape(c.y_label) + "</text>\n";
  for (const auto& s : c.series) {
    std::string pts;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (i) pts += ' ';
      pts += num(X(s.x[i]));
      pts += ',';
      pts += num(Y(s.y[i]));
    }
    o += "<polyline class=\"series" + std::string(s.faint ? " faint" : "") + "\" data-run=\"" + escape(s.run) + "\" data-series=\"" + escape(s.label) +
         "\" stroke=\"" + s.color + "\" points=\"" + pts + "\"/>\n";
    if (s.points)
      for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
        o += "<circle class=\"point\" cx=\"" + num(X(s.x[i])) + "\" cy=\"" + num(Y(s.y[i])) + "\" r=\"3\" fill=\"" + s.color + "\"><title>" + escape(s.run) +
             ": step " + tick_text(s.x[i]) + ", " + tick_text(s.y[i]) + "</title></circle>\n";
  }
  for (const auto& m : c.marks) {
    const std::string x = num(X(m.x)), attrs = "class=\"mark " + escape(m.kind) + "\" data-mark=\"" + escape(m.kind) + "\"";
    const std::string tip = "<title>" + escape(m.label) + " at step " + tick_text(m.x) + "</title>";
    if (m.kind == "restart")
      o += "<line " + attrs + " x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + num(kTop) + "\" y2=\"" + num(kTop + ph) + "\">" + tip + "</line>\n";
    else if (m.kind == "checkpoint")
      o += "<rect " + attrs + " x=\"" + num(X(m.x) - 3) + "\" y=\"" + num(kTop + ph + 2) + "\" width=\"6\" height=\"6\">" + tip + "</rect>\n";
    else
      o += "<path " + attrs + " d=\"M" + x + "," + num(kTop + ph) + " l-4,8 h8 z\">" + tip + "</path>\n";
  }
  return o + "</svg>\n";
}

std::string stacked_bars(const StackedBars& c) {
  const double bar = 22, gap = 8, label_w = 150, legend_h = 24;
  const double height = kTop + legend_h + static_cast<double>(c.bar_labels.size()) * (bar + gap) + kBottom;
  double total_max = 0;
  for (const auto& v : c.values) {
    double t = 0;
    for (double x : v) t += std::max(0.0, x);
    total_max = std::max(total_max, t);
  }
  const Range xr{0, total_max > 0 ? total_max * 1.05 : 1};
  const double left = label_w, pw = kWidth - left - kRight, top = kTop + legend_h;
  auto X = [&](double x) { return left + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
  std::string o = svg_open(height, c.title, "chart wide");
  for (size_t k = 0; k < c.segment_names.size(); ++k) {
    double lx = 10 + static_cast<double>(k) * 104;
    o += "<rect x=\"" + num(lx) + "\" y=\"" + num(kTop) + "\" width=\"10\" height=\"10\" fill=\"" + c.segment_colors[k] + "\"/><text class=\"tick\" x=\"" +
         num(lx + 14) + "\" y=\"" + num(kTop + 9) + "\">" + escape(c.segment_names[k]) + "</text>\n";
  }
  const double bottom = top + static_cast<double>(c.bar_labels.size()) * (bar + gap);
  for (double t : ticks(xr))
    o += "<line class=\"grid\" y1=\"" + num(top) + "\" y2=\"" + num(bottom) + "\" x1=\"" + num(X(t)) + "\" x2=\"" + num(X(t)) + "\"/><text class=\"tick\" x=\"" +
         num(X(t)) + "\" y=\"" + num(bottom + 16) + "\" text-anchor=\"middle\">" + tick_text(t) + "</text>\n";
  for (size_t b = 0; b < c.bar_labels.size(); ++b) {
    double y = top + static_cast<double>(b) * (bar + gap), at = 0;
    o += "<text class=\"tick\" x=\"" + num(left - 6) + "\" y=\"" + num(y + bar / 2 + 4) + "\" text-anchor=\"end\">" + escape(c.bar_labels[b]) + "</text>\n";
    for (size_t k = 0; k < c.values[b].size(); ++k) {
      double v = std::max(0.0, c.values[b][k]);
      o += "<rect class=\"segment\" data-bar=\"" + escape(c.bar_labels[b]) + "\" data-segment=\"" + escape(c.segment_names[k]) + "\" x=\"" + num(X(at)) +
           "\" y=\"" + num(y) + "\" width=\"" + num(X(at + v) - X(at)) + "\" height=\"" + num(bar) + "\" fill=\"" + c.segment_colors[k] + "\"><title>" +
           escape(c.bar_labels[b] + ": " + c.segment_names[k] + " " + tick_text(v)) + "</title></rect>\n";
      at += v;
    }
  }
  o += "<text class=\"axis\" x=\"" + num(left + pw / 2) + "\" y=\"" + num(height - 6) + "\" text-anchor=\"middle\">" + escape(c.x_label) + "</text>\n";
  return o + "</svg>\n";
}

std::string histogram_chart(const HistogramChart& c) {
  // Drawn at half a line chart's width, so that its text reads at the same size in a 300px box.
  const double width = 320, height = 170, left = 44, right = 10, bottom = 24, top = 26, pw = width - left - right, ph = height - top - bottom;
  int64_t most = 1;
  for (int64_t n : c.counts) most = std::max(most, n);
  std::string o = svg_open(height, c.title, "chart hist", width);
  o += "<rect class=\"frame\" x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(pw) + "\" height=\"" + num(ph) + "\"/>\n";
  const double w = c.counts.empty() ? 0 : pw / static_cast<double>(c.counts.size());
  const double step = c.counts.empty() ? 0 : (c.hi - c.lo) / static_cast<double>(c.counts.size());
  for (size_t k = 0; k < c.counts.size(); ++k) {
    const double h = ph * static_cast<double>(c.counts[k]) / static_cast<double>(most);
    const double a = c.lo + step * static_cast<double>(k);
    o += "<rect class=\"bin\" data-count=\"" + std::to_string(c.counts[k]) + "\" x=\"" + num(left + w * static_cast<double>(k) + 1) + "\" y=\"" +
         num(top + ph - h) + "\" width=\"" + num(std::max(0.0, w - 2)) + "\" height=\"" + num(h) + "\"><title>[" + tick_text(a) + ", " +
         tick_text(a + step) + "): " + std::to_string(c.counts[k]) + "</title></rect>\n";
  }
  o += "<text class=\"tick\" x=\"" + num(left) + "\" y=\"" + num(top + ph + 16) + "\" text-anchor=\"start\">" + tick_text(c.lo) + "</text>";
  o += "<text class=\"tick\" x=\"" + num(left + pw) + "\" y=\"" + num(top + ph + 16) + "\" text-anchor=\"end\">" + tick_text(c.hi) + "</text>\n";
  o += "<text class=\"tick\" x=\"" + num(left - 6) + "\" y=\"" + num(top + 10) + "\" text-anchor=\"end\">" + std::to_string(most) + "</text>\n";
  return o + "</svg>\n";
}

}  // namespace ag::tools::report
