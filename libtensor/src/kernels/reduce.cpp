// Reductions over any set of dimensions: the input is brought to [outer, R]
// (or [R, inner] when the reduced dims lead, as for bias gradients) and each
// output element is one pass over its R inputs.
#include <cmath>
#include <limits>
#include <stdexcept>

#include "kernels/kernels.h"
#include "kernels/parallel.h"
#include "tensor/make.h"

namespace ag::kernels {

namespace {

const char* op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Mean: return "mean";
    case ReduceOp::Max: return "max";
    case ReduceOp::Min: return "min";
    case ReduceOp::ArgMax: return "argmax";
    case ReduceOp::ArgMin: return "argmin";
  }
  return "reduce";
}

template <typename T> using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <typename T, typename O>
void reduce_rows(const T* x, O* out, int64_t outer, int64_t r, ReduceOp op) {
  parallel_for(outer, std::max<int64_t>(1, 65536 / std::max<int64_t>(r, 1)), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const T* row = x + o * r;
      switch (op) {
        case ReduceOp::Sum:
        case ReduceOp::Mean: {
          Acc<T> s = 0;
          for (int64_t i = 0; i < r; ++i) s += row[i];
          out[o] = static_cast<O>(op == ReduceOp::Mean ? static_cast<double>(s) / static_cast<double>(r) : s);
          break;
        }
        case ReduceOp::Max:
        case ReduceOp::Min:
        case ReduceOp::ArgMax:
        case ReduceOp::ArgMin: {
          bool want_max = op == ReduceOp::Max || op == ReduceOp::ArgMax;
          T best = row[0];
          int64_t at = 0;
          for (int64_t i = 1; i < r; ++i) {
            T v = row[i];
            bool nan_best = false, nan_v = false;
            if constexpr (std::is_floating_point_v<T>) { nan_best = std::isnan(best); nan_v = std::isnan(v); }
            if (nan_best) break;
            if (nan_v || (want_max ? v > best : v < best)) { best = v; at = i; }
          }
          if (op == ReduceOp::ArgMax || op == ReduceOp::ArgMin) out[o] = static_cast<O>(at);
          else out[o] = static_cast<O>(best);
          break;
        }
      }
    }
  });
}

// out[j] = sum_r x[r, j]: vectorises along j.
template <typename T>
void sum_columns(const T* x, T* out, int64_t r, int64_t inner, bool mean) {
  for (int64_t j = 0; j < inner; ++j) out[j] = 0;
  for (int64_t i = 0; i < r; ++i) {
    const T* row = x + i * inner;
    for (int64_t j = 0; j < inner; ++j) out[j] += row[j];
  }
  if (mean) {
    T inv = T(1) / static_cast<T>(r);
    for (int64_t j = 0; j < inner; ++j) out[j] *= inv;
  }
}

}  // namespace

Tensor reduce(const Tensor& t, const Dims& dims_in, bool keepdim, ReduceOp op) {
  const char* name = op_name(op);
  int64_t nd = t.dim();
  std::array<bool, kMaxDims> red{};
  if (dims_in.empty()) {
    for (int64_t d = 0; d < nd; ++d) red[d] = true;
  } else {
    for (int64_t d : dims_in) {
      int64_t w = wrap_dim(d, nd, name);
      if (nd > 0 && red[w]) throw std::invalid_argument(std::string(name) + ": dim " + std::to_string(d) + " appears twice");
      if (nd > 0) red[w] = true;
    }
  }
  Dims out_shape, perm, kept_shape;
  int64_t r = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (red[d]) {
      r *= t.size(d);
      if (keepdim) out_shape.push_back(1);
    } else {
      out_shape.push_back(t.size(d));
      perm.push_back(d);
    }
  }
  for (int64_t d = 0; d < nd; ++d) if (red[d]) perm.push_back(d);
  bool arg = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
  if (r == 0 && op != ReduceOp::Sum && op != ReduceOp::Mean)
    throw std::invalid_argument(std::string(name) + ": cannot reduce over an empty dimension (shape " +
                                to_string(t.sizes()) + ")");
  if (op == ReduceOp::Mean && !t.is_floating_point())
    throw std::invalid_argument(std::string("mean: needs a floating point tensor, got ") + dtype_name(t.dtype()));
  ScalarType in_type = t.dtype() == kBool && !arg ? kInt64 : t.dtype();
  ScalarType out_type = arg ? kInt64 : in_type;
  Tensor src = convert(t, in_type);
  Tensor out = detail::make_empty(out_shape, out_type);
  int64_t outer = out.numel();

  // Reduced dims leading a contiguous tensor: column sums without a copy.
  bool leading = src.is_contiguous() && (op == ReduceOp::Sum || op == ReduceOp::Mean) && is_floating_point(in_type);
  if (leading) {
    int64_t d = 0;
    while (d < nd && red[d]) ++d;
    for (int64_t k = d; k < nd; ++k) leading &= !red[k];
    leading &= d > 0 && d < nd;
  }
  if (leading) {
    AG_DISPATCH_FLOATING(in_type, name, [&] {
      sum_columns(src.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), r, outer, op == ReduceOp::Mean);
    });
    return out;
  }
  Dims psizes, pstrides;
  for (int64_t d : perm) { psizes.push_back(src.size(d)); pstrides.push_back(src.stride(d)); }
  Tensor x = contiguous(detail::make_view(src, psizes, pstrides, src.storage_offset()));
  AG_DISPATCH_NUMERIC(in_type, name, [&] {
    if (arg) reduce_rows(x.data_ptr<scalar_t>(), out.data_ptr<int64_t>(), outer, r, op);
    else reduce_rows(x.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), outer, r, op);
  });
  return out;
}

Tensor sum_to(const Tensor& t, const Dims& shape) {
  if (t.sizes() == shape) return t;
  int64_t lead = t.dim() - static_cast<int64_t>(shape.size());
  Dims dims;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d < lead) dims.push_back(d);
    else if (shape[d - lead] == 1 && t.size(d) != 1) dims.push_back(d);
  }
  Tensor s = dims.empty() ? contiguous(t) : reduce(t, dims, true, ReduceOp::Sum);
  return detail::make_view(s, shape, contiguous_strides(shape), s.storage_offset());
}

}  // namespace ag::kernels
