// Text output helpers shared by inspect and diff: number formats and aligned tables.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace ag::tools {

/// "802.8 kB", "104.9 MB" (decimal units, as ls -h --si).
std::string human_bytes(uint64_t n);
/// Compact number: %.6g, with "nan", "inf", "-inf".
std::string fmt_g(double v);
/// "2025-11-26 14:02:11 UTC" for milliseconds since the Unix epoch.
std::string utc_time(int64_t unix_ms);

/// Rows printed with every column padded to its widest cell. Columns whose
/// header starts with '>' are right-aligned (the '>' is not printed).
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void add(std::vector<std::string> row);
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out, const std::string& indent) const;

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace ag::tools
