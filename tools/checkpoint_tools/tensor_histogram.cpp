// tensor_histogram: how a tensor's values spread, for `inspect --stats` and the report.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "checkpoint_tools.h"

namespace ag::tools {

Histogram tensor_histogram(const Tensor& t, int bins) {
  Histogram h;
  const TensorStats s = tensor_stats(t);
  if (s.finite_count == 0 || bins < 1) return h;
  h.lo = s.min;
  h.hi = s.max;
  h.counts.assign(static_cast<size_t>(s.max > s.min ? bins : 1), 0);
  const double width = (h.hi - h.lo) / static_cast<double>(h.counts.size());
  Tensor c = t.detach().contiguous();
  AG_DISPATCH_ALL(c.dtype(), "tensor_histogram", [&] {
    const scalar_t* p = static_cast<const scalar_t*>(c.data_ptr());
    const int64_t last = static_cast<int64_t>(h.counts.size()) - 1;
    for (int64_t i = 0; i < c.numel(); ++i) {
      const double v = static_cast<double>(p[i]);
      if (!std::isfinite(v)) continue;
      const int64_t k = width > 0 ? static_cast<int64_t>((v - h.lo) / width) : 0;
      ++h.counts[static_cast<size_t>(std::clamp<int64_t>(k, 0, last))];
    }
  });
  return h;
}

std::string histogram_text(const Histogram& h, const std::string& indent, int width) {
  if (h.counts.empty()) return indent + "(no finite values)\n";
  const int64_t most = *std::max_element(h.counts.begin(), h.counts.end());
  const double step = (h.hi - h.lo) / static_cast<double>(h.counts.size());
  std::string out;
  char range[96];
  for (size_t k = 0; k < h.counts.size(); ++k) {
    const double a = h.lo + step * static_cast<double>(k), b = k + 1 == h.counts.size() ? h.hi : a + step;
    std::snprintf(range, sizeof range, "[%11.4g, %11.4g%c ", a, b, k + 1 == h.counts.size() ? ']' : ')');
    const int bar = most > 0 ? static_cast<int>(std::lround(static_cast<double>(width) * static_cast<double>(h.counts[k]) / static_cast<double>(most))) : 0;
    out += indent + range + std::string(static_cast<size_t>(bar), '#') + std::string(static_cast<size_t>(width - bar), ' ') + " " +
           std::to_string(h.counts[k]) + "\n";
  }
  return out;
}

}  // namespace ag::tools
