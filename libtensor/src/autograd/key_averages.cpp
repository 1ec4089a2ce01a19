// The profiler's summary table, as torch.profiler's key_averages().table(): events
// grouped by category and name, with self time (an event's time less the events it
// encloses on the same thread), so "forward" does not count its ops twice.
#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

#include "ag/profiler.h"

namespace ag::profiler {

namespace {

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

}  // namespace

std::vector<OpAverage> key_averages(const std::vector<Event>& events) {
  // Per thread, in order of start (the enclosing one first on ties), a stack of the open
  // events takes each enclosed event's time away from its innermost encloser.
  std::vector<size_t> order(events.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Event &x = events[a], &y = events[b];
    if (x.thread != y.thread) return x.thread < y.thread;
    if (x.begin != y.begin) return x.begin < y.begin;
    return x.end > y.end;
  });
  std::vector<double> self(events.size());
  std::vector<size_t> open;
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t i = order[k];
    const Event& e = events[i];
    if (k > 0 && events[order[k - 1]].thread != e.thread) open.clear();
    while (!open.empty() && events[open.back()].end <= e.begin) open.pop_back();
    self[i] = micros(e.end - e.begin);
    if (!open.empty() && e.end <= events[open.back()].end) self[open.back()] -= self[i];
    open.push_back(i);
  }
  std::map<std::pair<std::string, std::string>, OpAverage> by_key;
  for (size_t i = 0; i < events.size(); ++i) {
    OpAverage& a = by_key[{events[i].category, events[i].name}];
    a.name = events[i].name;
    a.category = events[i].category;
    a.calls += 1;
    a.total_us += micros(events[i].end - events[i].begin);
    a.self_us += std::max(0.0, self[i]);
  }
  std::vector<OpAverage> out;
  for (auto& [key, a] : by_key) out.push_back(std::move(a));
  std::sort(out.begin(), out.end(), [](const OpAverage& a, const OpAverage& b) {
    return a.self_us != b.self_us ? a.self_us > b.self_us : a.name < b.name;
  });
  return out;
}

std::string key_averages_table(const std::vector<Event>& events, size_t top) {
  const std::vector<OpAverage> rows = key_averages(events);
  double all_self = 0;
  for (const auto& r : rows) all_self += r.self_us;
  size_t width = 4;
  for (size_t i = 0; i < rows.size() && i < top; ++i) width = std::max(width, rows[i].name.size());
  width = std::min<size_t>(width, 48);
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-*s  %-8s  %7s  %12s  %7s  %12s  %10s\n", static_cast<int>(width), "Name", "Category", "Calls",
                "Self ms", "Self %", "Total ms", "Avg us");
  out += line;
  out += std::string(width + 2 + 8 + 2 + 7 + 2 + 12 + 2 + 7 + 2 + 12 + 2 + 10, '-') + "\n";
  for (size_t i = 0; i < rows.size() && i < top; ++i) {
    const OpAverage& r = rows[i];
    std::snprintf(line, sizeof line, "%-*.*s  %-8s  %7lld  %12.3f  %6.1f%%  %12.3f  %10.1f\n", static_cast<int>(width), static_cast<int>(width),
                  r.name.c_str(), r.category.c_str(), static_cast<long long>(r.calls), r.self_us / 1000, all_self > 0 ? 100 * r.self_us / all_self : 0.0,
                  r.total_us / 1000, r.total_us / static_cast<double>(r.calls));
    out += line;
  }
  if (rows.size() > top) out += std::to_string(rows.size() - top) + " more rows\n";
  return out;
}

}  // namespace ag::profiler
