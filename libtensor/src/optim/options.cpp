// Hyperparameter map reading for the optimizers and schedulers.
#include "optim/options.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

namespace ag::optim::detail {

std::string format_number(double v) {
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

OptionReader::OptionReader(const Hyperparameters& h, const char* owner, std::initializer_list<const char*> known)
    : h_(h), owner_(owner) {
  for (const auto& [key, value] : h) {
    if (key == kInitialLr) continue;  // the schedulers' record in the group, as in PyTorch
    bool found = false;
    for (const char* k : known) found = found || key == std::string_view(k);
    if (!found) {
      std::string list;
      for (const char* k : known) list += std::string(list.empty() ? "" : ", ") + k;
      fail("unknown hyperparameter '" + key + "' (known: " + list + ")");
    }
  }
}

double OptionReader::number(const char* key) const {
  auto it = h_.find(key);
  if (it == h_.end()) fail(std::string("missing hyperparameter '") + key + "'");
  if (!std::isfinite(it->second)) fail(std::string("invalid ") + key + ": " + format_number(it->second));
  return it->second;
}

double OptionReader::at_least(const char* key, double lo) const {
  double v = number(key);
  if (!(v >= lo)) fail(std::string("invalid ") + key + ": " + format_number(v) + " (must be >= " + format_number(lo) + ")");
  return v;
}

double OptionReader::in_range(const char* key, double lo, double hi) const {
  double v = number(key);
  if (!(v >= lo && v < hi))
    fail(std::string("invalid ") + key + ": " + format_number(v) + " (must be in [" + format_number(lo) + ", " +
         format_number(hi) + "))");
  return v;
}

int64_t OptionReader::integer(const char* key, int64_t lo) const {
  double v = number(key);
  if (v != std::floor(v) || !(v >= static_cast<double>(lo)) || v > 9.0e15)
    fail(std::string("invalid ") + key + ": " + format_number(v) + " (must be a whole number >= " + std::to_string(lo) + ")");
  return static_cast<int64_t>(v);
}

bool OptionReader::flag(const char* key) const {
  double v = number(key);
  if (v != 0 && v != 1) fail(std::string("flag '") + key + "' must be 0 or 1, got " + format_number(v));
  return v == 1;
}

void OptionReader::fail(const std::string& what) const { throw std::invalid_argument(std::string(owner_) + ": " + what); }

}  // namespace ag::optim::detail
