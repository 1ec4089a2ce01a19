// Python's float repr: shortest round-trip digits, positional notation for
// decimal exponents in [-4, 16), scientific with a two-digit exponent otherwise.
#include "nn/python_repr.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace ag::nn::detail {

std::string python_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  std::string s(buf, res.ptr);  // "d.ddde±XX"
  size_t e = s.find('e');
  int exp = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i)
    if (s[i] != '.') digits += s[i];
  std::string out;
  if (exp < -4 || exp >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out.append(".").append(digits, 1);
    std::string ex = std::to_string(std::abs(exp));
    out += std::string(exp < 0 ? "e-" : "e+") + (ex.size() < 2 ? "0" : "") + ex;
  } else if (exp < 0) {
    out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else if (static_cast<int>(digits.size()) <= exp + 1) {
    out = digits + std::string(static_cast<size_t>(exp + 1) - digits.size(), '0') + ".0";
  } else {
    out = digits.substr(0, static_cast<size_t>(exp) + 1) + "." + digits.substr(static_cast<size_t>(exp) + 1);
  }
  return (std::signbit(v) ? "-" : "") + out;
}

}  // namespace ag::nn::detail
