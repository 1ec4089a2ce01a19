// Element type names, sizes and promotion.
#include "ag/dtype.h"

#include <stdexcept>

namespace ag {

size_t element_size(ScalarType t) {
  switch (t) {
    case kFloat32: return 4;
    case kFloat64: return 8;
    case kInt64: return 8;
    case kBool: return 1;
  }
  return 0;
}

const char* dtype_name(ScalarType t) {
  switch (t) {
    case kFloat32: return "float32";
    case kFloat64: return "float64";
    case kInt64: return "int64";
    case kBool: return "bool";
  }
  return "unknown";
}

const char* tensor_type_name(ScalarType t) {
  switch (t) {
    case kFloat32: return "FloatTensor";
    case kFloat64: return "DoubleTensor";
    case kInt64: return "LongTensor";
    case kBool: return "BoolTensor";
  }
  return "UnknownTensor";
}

ScalarType promote_types(ScalarType a, ScalarType b) {
  auto rank = [](ScalarType t) {
    switch (t) {
      case kBool: return 0;
      case kInt64: return 1;
      case kFloat32: return 2;
      case kFloat64: return 3;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

namespace detail {
void throw_dtype_unsupported(const char* op, ScalarType t, const char* supported) {
  throw std::invalid_argument(std::string(op) + ": dtype " + dtype_name(t) + " is not supported (supports " +
                              supported + ")");
}
}  // namespace detail

}  // namespace ag
