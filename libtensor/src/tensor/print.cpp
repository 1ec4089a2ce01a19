// Printing in PyTorch's format: one width for every element, integer-valued
// floats as "12.", fixed 4 decimals, or scientific when magnitudes span too far;
// wrapping at 80 columns; summaries with "..." past 1000 elements.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "ag/autograd.h"
#include "ag/tensor.h"
#include "kernels/kernels.h"

namespace ag {

namespace {

constexpr int kPrecision = 4;
constexpr int kLineWidth = 80;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string fmt_nonfinite(double v) { return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"); }

struct Formatter {
  bool floating = true, boolean = false, int_mode = true, sci_mode = false;
  size_t width = 1;

  Formatter(const std::vector<double>& vals, ScalarType dtype)
      : floating(is_floating_point(dtype)), boolean(dtype == kBool) {
    if (boolean) {
      for (double v : vals) width = std::max<size_t>(width, v != 0 ? 4 : 5);
      return;
    }
    if (!floating) {
      for (double v : vals) width = std::max(width, fmt("%.0f", v).size());
      return;
    }
    std::vector<double> nz;
    for (double v : vals)
      if (std::isfinite(v) && v != 0) nz.push_back(v);
    if (nz.empty()) return;
    double mn = INFINITY, mx = 0;
    for (double v : nz) {
      mn = std::min(mn, std::fabs(v));
      mx = std::max(mx, std::fabs(v));
      if (v != std::ceil(v)) int_mode = false;
    }
    if (int_mode) {
      if (mx / mn > 1000 || mx > 1e8) {
        sci_mode = true;
        for (double v : nz) width = std::max(width, fmt("%.4e", v).size());
      } else {
        for (double v : nz) width = std::max(width, fmt("%.0f", v).size() + 1);
      }
    } else {
      if (mx / mn > 1000 || mx > 1e8 || mn < 1e-4) {
        sci_mode = true;
        for (double v : nz) width = std::max(width, fmt("%.4e", v).size());
      } else {
        for (double v : nz) width = std::max(width, fmt("%.4f", v).size());
      }
    }
  }

  std::string operator()(double v) const {
    std::string s;
    if (boolean) {
      s = v != 0 ? "True" : "False";
    } else if (!floating) {
      s = fmt("%.0f", v);
    } else if (!std::isfinite(v)) {
      s = fmt_nonfinite(v);
    } else if (sci_mode) {
      s = fmt("%.4e", v);
    } else if (int_mode) {
      s = fmt("%.0f", v) + ".";
    } else {
      s = fmt("%.4f", v);
    }
    if (s.size() < width) s.insert(0, width - s.size(), ' ');
    return s;
  }
};

double value_at(const Tensor& t, const Dims& idx) {
  int64_t off = 0;
  for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * t.stride(static_cast<int64_t>(d));
  return AG_DISPATCH_ALL(t.dtype(), "print", [&] { return static_cast<double>(t.data_ptr<scalar_t>()[off]); });
}

// The values the formatter sees: all of them, or the edges when summarising.
void collect(const Tensor& t, Dims& idx, bool summarize, std::vector<double>& out) {
  size_t d = idx.size();
  if (static_cast<int64_t>(d) == t.dim()) { out.push_back(value_at(t, idx)); return; }
  int64_t n = t.size(static_cast<int64_t>(d));
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) i = n - kEdgeItems;
    idx.push_back(i);
    collect(t, idx, summarize, out);
    idx.pop_back();
  }
}

std::string render(const Tensor& t, Dims& idx, size_t indent, bool summarize, const Formatter& f) {
  int64_t d = static_cast<int64_t>(idx.size());
  int64_t nd = t.dim();
  if (nd == 0) return f(value_at(t, idx));
  int64_t n = t.size(d);
  if (d == nd - 1) {
    std::vector<std::string> items;
    for (int64_t i = 0; i < n; ++i) {
      if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
        items.push_back(" ...");
        i = n - kEdgeItems;
      }
      idx.push_back(i);
      items.push_back(f(value_at(t, idx)));
      idx.pop_back();
    }
    size_t per_line = std::max<size_t>(1, (kLineWidth - indent) / (f.width + 2));
    std::string s = "[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i && i % per_line == 0) {
        s += ",\n";
        s.append(indent + 1, ' ');
      } else if (i) {
        s += ", ";
      }
      s += items[i];
    }
    return s + "]";
  }
  std::string sep(1, ',');
  sep.append(static_cast<size_t>(nd - d - 1), '\n');
  sep.append(indent + 1, ' ');
  std::string s = "[";
  bool first = true;
  for (int64_t i = 0; i < n; ++i) {
    if (!first) s += sep;
    first = false;
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
      s += "..." + sep;
      i = n - kEdgeItems;
    }
    idx.push_back(i);
    s += render(t, idx, indent + 1, summarize, f);
    idx.pop_back();
  }
  return s + "]";
}

std::string add_suffixes(std::string s, const std::vector<std::string>& suffixes, size_t indent) {
  size_t nl = s.rfind('\n');
  size_t last = nl == std::string::npos ? s.size() + 1 : s.size() - nl + 1;
  for (const auto& suf : suffixes) {
    if (last + suf.size() + 2 > static_cast<size_t>(kLineWidth)) {
      s += ",\n" + std::string(indent, ' ') + suf;
      last = indent + suf.size();
    } else {
      s += ", " + suf;
      last += suf.size() + 2;
    }
  }
  return s + ")";
}

}  // namespace

std::string repr(const Tensor& t) {
  if (!t.defined()) return "[ Tensor (undefined) ]";
  const std::string prefix = "tensor(";
  const size_t indent = prefix.size();
  std::vector<std::string> suffixes;
  std::string body;
  if (t.numel() == 0) {
    body = "[]";
    if (t.dim() != 1) {
      std::string sz = "size=(";
      for (int64_t d = 0; d < t.dim(); ++d) sz += (d ? ", " : "") + std::to_string(t.size(d));
      suffixes.push_back(sz + (t.dim() == 1 ? ",)" : ")"));
    }
  } else {
    bool summarize = t.numel() > kThreshold;
    std::vector<double> vals;
    Dims idx;
    collect(t, idx, summarize, vals);
    Formatter f(vals, t.dtype());
    idx = Dims();
    body = render(t, idx, indent, summarize, f);
  }
  if (t.dtype() == kFloat64) suffixes.push_back("dtype=torch.float64");
  if (auto fn = t.grad_fn()) suffixes.push_back("grad_fn=<" + fn->name() + ">");
  else if (t.requires_grad()) suffixes.push_back("requires_grad=True");
  return add_suffixes(prefix + body, suffixes, indent);
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << repr(t); }

}  // namespace ag
