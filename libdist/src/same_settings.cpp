#include "ag/dist/same_settings.h"

#include <map>
#include <stdexcept>

namespace ag::dist {

namespace {

// Unit and record separators: they cannot appear in a flag's value typed on a command line.
constexpr char kUnit = '\x1f', kRecord = '\x1e';

std::string encode(const Settings& s) {
  std::string out;
  for (const auto& [name, value] : s) out += name + kUnit + value + kRecord;
  return out;
}

Settings decode(const std::string& text) {
  Settings out;
  size_t at = 0;
  while (at < text.size()) {
    size_t unit = text.find(kUnit, at), end = text.find(kRecord, at);
    if (unit == std::string::npos || end == std::string::npos || unit > end) break;
    out.emplace_back(text.substr(at, unit - at), text.substr(unit + 1, end - unit - 1));
    at = end + 1;
  }
  return out;
}

std::string value_of(const Settings& s, const std::string& name) {
  for (const auto& [n, v] : s)
    if (n == name) return "'" + v + "'";
  return "(not set)";
}

}  // namespace

void require_same_settings(Communicator& comm, const Settings& settings) {
  if (comm.world_size() == 1) return;
  std::vector<std::string> all = comm.allgather_string(encode(settings));
  std::vector<Settings> ranks;
  for (const std::string& s : all) ranks.push_back(decode(s));
  // Names in the order rank 0 gave them, then any only other ranks have.
  std::vector<std::string> names;
  for (const Settings& r : ranks)
    for (const auto& [n, v] : r) {
      bool seen = false;
      for (const std::string& m : names) seen |= m == n;
      if (!seen) names.push_back(n);
    }
  for (const std::string& name : names) {
    std::map<std::string, std::vector<int>> by_value;  // value → ranks, in value order
    std::vector<std::string> order;
    for (size_t r = 0; r < ranks.size(); ++r) {
      std::string v = value_of(ranks[r], name);
      if (!by_value.count(v)) order.push_back(v);
      by_value[v].push_back(static_cast<int>(r));
    }
    if (by_value.size() == 1) continue;
    std::string what;
    for (const std::string& v : order) {
      const std::vector<int>& rs = by_value[v];
      std::string list;
      for (size_t i = 0; i < rs.size() && i < 8; ++i) {
        if (i) list += ',';
        list += std::to_string(rs[i]);
      }
      if (rs.size() > 8) list += ",... (" + std::to_string(rs.size()) + " ranks)";
      what += (what.empty() ? "" : ", ") + v + " on rank" + (rs.size() > 1 ? "s " : " ") + list;
    }
    throw AgreedError("ranks disagree on " + name + ": " + what + " (every rank must be started with the same settings)");
  }
}

}  // namespace ag::dist
