// Python's text for values that appear in module reprs (floats, bools), so
// printed modules read exactly as PyTorch prints them.
#pragma once
#include <string>

namespace ag::nn::detail {

/// repr(float) in Python: the shortest round-trip digits, "0.5", "1.0", "1e-05", "inf".
std::string python_float(double v);
inline std::string python_bool(bool b) { return b ? "True" : "False"; }

}  // namespace ag::nn::detail
