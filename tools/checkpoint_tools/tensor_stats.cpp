// tensor_stats: min, max, mean, std, L2 norm and NaN/Inf counts in double.
#include <cmath>
#include <limits>

#include "checkpoint_tools.h"

namespace ag::tools {

TensorStats tensor_stats(const Tensor& t) {
  Tensor c = t.detach().contiguous();
  const int64_t n = c.numel();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  TensorStats s;
  AG_DISPATCH_ALL(c.dtype(), "tensor_stats", [&] {
    const scalar_t* p = static_cast<const scalar_t*>(c.data_ptr());
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0, sumsq = 0;
    int64_t finite = 0;
    for (int64_t i = 0; i < n; ++i) {
      double v = static_cast<double>(p[i]);
      if (std::isnan(v)) { ++s.nan_count; continue; }
      if (std::isinf(v)) { ++s.inf_count; continue; }
      ++finite;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
      sum += v;
      sumsq += v * v;
    }
    s.finite_count = finite;
    s.l2_norm = std::sqrt(sumsq);
    if (finite == 0) {
      s.min = s.max = s.mean = s.std = kNaN;
      return;
    }
    s.min = lo;
    s.max = hi;
    s.mean = sum / static_cast<double>(finite);
    // Second pass about the mean: sumsq - n * mean^2 cancels badly when |mean| >> std.
    double dev = 0;
    for (int64_t i = 0; i < n; ++i) {
      double v = static_cast<double>(p[i]);
      if (std::isfinite(v)) dev += (v - s.mean) * (v - s.mean);
    }
    s.std = finite > 1 ? std::sqrt(dev / static_cast<double>(finite - 1)) : kNaN;
  });
  return s;
}

}  // namespace ag::tools
