// human_bytes, fmt_g, utc_time and Table.
#include "text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace ag::tools {

std::string human_bytes(uint64_t n) {
  char b[32];
  if (n < 1000) std::snprintf(b, sizeof b, "%llu B", static_cast<unsigned long long>(n));
  else if (n < 1000 * 1000) std::snprintf(b, sizeof b, "%.1f kB", n / 1e3);
  else if (n < 1000ull * 1000 * 1000) std::snprintf(b, sizeof b, "%.1f MB", n / 1e6);
  else std::snprintf(b, sizeof b, "%.2f GB", n / 1e9);
  return b;
}

std::string fmt_g(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

std::string utc_time(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  if (!gmtime_r(&secs, &tm)) return "(invalid time " + std::to_string(unix_ms) + ")";
  char b[64];
  std::strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return b;
}

Table::Table(std::vector<std::string> header) {
  for (std::string& h : header) {
    bool right = !h.empty() && h[0] == '>';
    right_.push_back(right);
    header_.push_back(right ? h.substr(1) : h);
  }
}

void Table::add(std::vector<std::string> row) {
  row.resize(header_.size());
  rows_.push_back(std::move(row));
}

void Table::print(std::ostream& out, const std::string& indent) const {
  std::vector<size_t> width(header_.size());
  for (size_t c = 0; c < header_.size(); ++c) {
    width[c] = header_[c].size();
    for (const auto& r : rows_) width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s = indent;
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string pad(width[c] - cells[c].size(), ' ');
      bool last = c + 1 == cells.size();
      s += right_[c] ? pad + cells[c] : cells[c] + (last ? "" : pad);
      if (!last) s += "  ";
    }
    s.erase(s.find_last_not_of(' ') + 1);
    out << s << "\n";
  };
  line(header_);
  for (const auto& r : rows_) line(r);
}

}  // namespace ag::tools
