// How conv and pooling errors print a (height, width) argument.
#pragma once
#include <string>

#include "ag/nn/functional_conv.h"

namespace ag::nn::functional {

/// "(2, 3)".
inline std::string pair_str(Size2 s) {
  std::string out = std::to_string(s.h);  // appended, not prefixed: GCC 12 -O3 warns falsely on "(" + string
  out.append(", ").append(std::to_string(s.w));
  return out.insert(0, 1, '(').append(")");
}

}  // namespace ag::nn::functional
