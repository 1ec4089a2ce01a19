// Creating tensors: from values, nested lists, blobs, and the usual fills.
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "ag/tensor.h"
#include "kernels/kernels.h"
#include "kernels/loop.h"
#include "tensor/make.h"

namespace ag {

namespace {
Tensor finish(Tensor t, const TensorOptions& opts) {
  check_cpu_device(opts.device_, "tensor factory");
  if (opts.requires_grad_) t.requires_grad_(true);
  return t;
}
}  // namespace

void NestedList::flatten_into(std::vector<double>& out, Dims& shape, size_t depth, bool& any_float,
                              bool& all_bool) const {
  if (is_scalar_) {
    if (depth != shape.size())
      throw std::invalid_argument("tensor: nested list is ragged (a value at depth " + std::to_string(depth) +
                                  " where lists of depth " + std::to_string(shape.size()) + " were seen)");
    out.push_back(scalar_);
    any_float |= !is_int_ && !is_bool_;
    all_bool &= is_bool_;
    return;
  }
  if (depth == shape.size()) {
    if (!out.empty())
      throw std::invalid_argument("tensor: nested list is ragged (a list at depth " + std::to_string(depth) +
                                  " where values were seen)");
    shape.push_back(static_cast<int64_t>(list_.size()));
  } else if (shape[depth] != static_cast<int64_t>(list_.size())) {
    throw std::invalid_argument("tensor: nested list is ragged (expected " + std::to_string(shape[depth]) +
                                " items at depth " + std::to_string(depth) + ", got " +
                                std::to_string(list_.size()) + ")");
  }
  for (const auto& item : list_) item.flatten_into(out, shape, depth + 1, any_float, all_bool);
}

Tensor tensor(const NestedList& values, TensorOptions opts) {
  std::vector<double> flat;
  Dims shape;
  bool any_float = false, all_bool = true;
  values.flatten_into(flat, shape, 0, any_float, all_bool);
  if (flat.empty()) all_bool = false;
  ScalarType inferred = any_float || flat.empty() ? kFloat32 : (all_bool ? kBool : kInt64);
  Tensor t = detail::make_empty(shape, opts.dtype_or(inferred));
  AG_DISPATCH_ALL(t.dtype(), "tensor", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    for (size_t i = 0; i < flat.size(); ++i) p[i] = static_cast<scalar_t>(flat[i]);
  });
  return finish(t, opts);
}

template <typename T>
static Tensor from_vec(const std::vector<T>& v, const Dims& shape, TensorOptions opts) {
  if (numel_of(shape) != static_cast<int64_t>(v.size()))
    throw std::invalid_argument("from_vector: " + std::to_string(v.size()) + " values do not fill shape " +
                                to_string(shape));
  Tensor t = detail::make_empty(shape, CppTypeToScalar<T>::value);
  if (!v.empty()) std::memcpy(t.data_ptr(), v.data(), v.size() * sizeof(T));
  if (opts.dtype_ && *opts.dtype_ != t.dtype()) t = kernels::convert(t, *opts.dtype_);
  return finish(t, opts);
}
Tensor from_vector(const std::vector<float>& v, const Dims& s, TensorOptions o) { return from_vec(v, s, o); }
Tensor from_vector(const std::vector<double>& v, const Dims& s, TensorOptions o) { return from_vec(v, s, o); }
Tensor from_vector(const std::vector<int64_t>& v, const Dims& s, TensorOptions o) { return from_vec(v, s, o); }

Tensor from_blob(void* data, const Dims& shape, ScalarType dtype, std::shared_ptr<void> owner) {
  auto impl = std::make_shared<TensorImpl>();
  size_t n = static_cast<size_t>(numel_of(shape)) * element_size(dtype);
  impl->storage = std::make_shared<Storage>(data, n, std::move(owner));
  impl->sizes = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor empty(const Dims& shape, TensorOptions opts) {
  for (int64_t s : shape)
    if (s < 0) throw std::invalid_argument("empty: negative dimension in shape " + to_string(shape));
  return finish(detail::make_empty(shape, opts.dtype_or(kFloat32)), opts);
}

Tensor full(const Dims& shape, double value, TensorOptions opts) {
  Tensor t = empty(shape, TensorOptions(opts.dtype_or(kFloat32)));
  kernels::fill(t, value);
  return finish(t, opts);
}
Tensor zeros(const Dims& shape, TensorOptions opts) { return full(shape, 0, opts); }
Tensor ones(const Dims& shape, TensorOptions opts) { return full(shape, 1, opts); }
Tensor zeros_like(const Tensor& t, TensorOptions o) { return zeros(t.sizes(), o.dtype_ ? o : o.dtype(t.dtype())); }
Tensor ones_like(const Tensor& t, TensorOptions o) { return ones(t.sizes(), o.dtype_ ? o : o.dtype(t.dtype())); }
Tensor empty_like(const Tensor& t, TensorOptions o) { return empty(t.sizes(), o.dtype_ ? o : o.dtype(t.dtype())); }
Tensor full_like(const Tensor& t, double v, TensorOptions o) { return full(t.sizes(), v, o.dtype_ ? o : o.dtype(t.dtype())); }
Tensor scalar_tensor(double v, TensorOptions opts) { return full({}, v, opts); }

Tensor arange(double end, TensorOptions opts) { return arange(0, end, 1, opts); }

Tensor arange(double start, double end, double step, TensorOptions opts) {
  if (step == 0) throw std::invalid_argument("arange: step must be nonzero");
  if ((end - start) / step < 0)
    throw std::invalid_argument("arange: upper bound and step have inconsistent signs (start " + std::to_string(start) +
                                ", end " + std::to_string(end) + ", step " + std::to_string(step) + ")");
  bool ints = start == std::floor(start) && end == std::floor(end) && step == std::floor(step);
  auto n = static_cast<int64_t>(std::ceil((end - start) / step));
  Tensor t = detail::make_empty({n}, opts.dtype_or(ints ? kInt64 : kFloat32));
  AG_DISPATCH_NUMERIC(t.dtype(), "arange", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(start + static_cast<double>(i) * step);
  });
  return finish(t, opts);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions opts) {
  if (steps < 0) throw std::invalid_argument("linspace: number of steps must be non-negative, got " + std::to_string(steps));
  Tensor t = detail::make_empty({steps}, opts.dtype_or(kFloat32));
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
  AG_DISPATCH_NUMERIC(t.dtype(), "linspace", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    // Symmetric fill from both ends, as PyTorch does, so the last value is exactly `end`.
    int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<scalar_t>(i < half ? start + step * static_cast<double>(i)
                                            : end - step * static_cast<double>(steps - 1 - i));
  });
  return finish(t, opts);
}

Tensor eye(int64_t n, TensorOptions opts) { return eye(n, n, opts); }
Tensor eye(int64_t n, int64_t m, TensorOptions opts) {
  if (n < 0 || m < 0) throw std::invalid_argument("eye: sizes must be non-negative, got " + std::to_string(n) + "x" + std::to_string(m));
  Tensor t = zeros({n, m}, TensorOptions(opts.dtype_or(kFloat32)));
  AG_DISPATCH_ALL(t.dtype(), "eye", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = scalar_t(1);
  });
  return finish(t, opts);
}

}  // namespace ag
