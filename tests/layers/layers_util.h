// Helpers shared by the layer-op tests: element access for hand-written
// reference loops, and the float64 leaves and gradcheck macro from tests/ops.
#pragma once
#include <string>
#include <vector>

#include "ag/ag.h"
#include "ag/nn/functional_conv.h"
#include "ops/gradcheck_util.h"

namespace agtest {

/// The elements of `t` in row-major order, as doubles.
inline std::vector<double> values(const ag::Tensor& t) {
  ag::Tensor c = t.detach().to(ag::kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

/// A tensor of `dtype` holding `v` (row-major) with shape `shape`.
inline ag::Tensor from_values(const std::vector<double>& v, const ag::Dims& shape, ag::ScalarType dtype) {
  return ag::from_vector(v, shape).to(dtype);
}

/// Largest |a - b| over all elements (shapes must match).
inline double max_abs_diff(const ag::Tensor& a, const ag::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  std::vector<double> x = values(a), y = values(b);
  double m = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}

/// Runs `f` and returns the message of the std::exception it throws ("" when it does not throw).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace agtest
