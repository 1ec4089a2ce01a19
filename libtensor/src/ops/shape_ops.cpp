// Views (share storage) and copies that change layout or dtype, with backward
// rules. Slicing-style views take their gradient by replaying the same view
// on a zero tensor of the input's shape.
#include <numeric>

#include "ops/op_util.h"
#include "tensor/view_geometry.h"

namespace ag {

using namespace ops;

namespace {

// A view whose gradient is `grad` reshaped back to the input's shape.
Tensor reshape_view(const Tensor& a, const Dims& sizes, const Dims& strides, const char* node) {
  Tensor out = detail::make_view(a, sizes, strides, a.storage_offset());
  Dims in_shape = a.sizes();
  record(node, out, {&a}, [in_shape](const Tensor& g, NeedsGrad) -> TensorList { return {g.reshape(in_shape)}; });
  return out;
}

// A view whose gradient is scattered back by replaying `view` on zeros.
template <typename ViewFn>
Tensor sliced_view(const Tensor& a, const Tensor& v, const char* node, ViewFn view) {
  Tensor out = v;
  Dims in_shape = a.sizes();
  record(node, out, {&a}, [in_shape, view](const Tensor& g, NeedsGrad) -> TensorList {
    Tensor grad = zeros(in_shape, g.dtype());
    kernels::copy_into(view(grad), g);
    return {grad};
  });
  return out;
}

Tensor raw_slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) {
  int64_t d = wrap_dim(dim, t.dim(), "slice");
  if (step <= 0) throw std::invalid_argument("slice: step must be positive, got " + std::to_string(step));
  int64_t n = t.size(d);
  int64_t s = start.value_or(0), e = stop.value_or(n);
  if (s < 0) s += n;
  if (e < 0) e += n;
  s = std::clamp<int64_t>(s, 0, n);
  e = std::clamp<int64_t>(e, s, n);
  Dims sizes = t.sizes(), strides = t.strides();
  sizes[d] = (e - s + step - 1) / step;
  strides[d] = t.stride(d) * step;
  return detail::make_view(t, sizes, strides, t.storage_offset() + s * t.stride(d));
}

Tensor raw_select(const Tensor& t, int64_t dim, int64_t index) {
  if (t.dim() == 0) throw std::out_of_range("select: cannot index a 0-d tensor");
  int64_t d = wrap_dim(dim, t.dim(), "select");
  int64_t n = t.size(d);
  if (index < -n || index >= n)
    throw std::out_of_range("index " + std::to_string(index) + " is out of bounds for dimension " + std::to_string(d) +
                            " with size " + std::to_string(n) + " (tensor shape " + to_string(t.sizes()) + ")");
  if (index < 0) index += n;
  Dims sizes = t.sizes(), strides = t.strides();
  sizes.erase(d);
  strides.erase(d);
  return detail::make_view(t, sizes, strides, t.storage_offset() + index * t.stride(d));
}

Tensor raw_index(const Tensor& t, const std::vector<TensorIndex>& idx) {
  Tensor cur = detail::alias(t);
  int64_t d = 0;
  size_t consumed = 0;
  for (const auto& i : idx) consumed += i.kind != TensorIndex::NoneKind;
  if (static_cast<int64_t>(consumed) > t.dim())
    throw std::out_of_range("index: too many indices (" + std::to_string(consumed) + ") for a tensor of shape " +
                            to_string(t.sizes()));
  for (const auto& i : idx) {
    switch (i.kind) {
      case TensorIndex::Int: cur = raw_select(cur, d, i.integer); break;
      case TensorIndex::SliceKind: {
        // Departure from Python, which returns an empty view here: a start beyond the
        // dimension is almost always a bug, so it is reported (stops are still clamped).
        int64_t n = cur.size(d);
        if ((i.slice.start && (*i.slice.start > n || *i.slice.start < -n)))
          throw std::out_of_range("index: slice start " + std::to_string(*i.slice.start) + " is out of range for dimension " +
                                  std::to_string(d) + " with size " + std::to_string(n) + " (tensor shape " +
                                  to_string(t.sizes()) + ")");
        cur = raw_slice(cur, d, i.slice.start, i.slice.stop, i.slice.step);
        ++d;
        break;
      }
      case TensorIndex::NoneKind: {
        Dims sizes = cur.sizes(), strides = cur.strides();
        sizes.insert(d, 1);
        strides.insert(d, d < cur.dim() ? cur.stride(d) * cur.size(d) : 1);
        cur = detail::make_view(cur, sizes, strides, cur.storage_offset());
        ++d;
        break;
      }
    }
  }
  return cur;
}

}  // namespace

Tensor Tensor::view(const Dims& shape) const {
  Dims sizes = detail::infer_size(shape, numel(), "view");
  auto st = detail::view_strides(this->sizes(), strides(), sizes);
  if (!st)
    throw std::invalid_argument("view: shape " + to_string(shape) + " is not compatible with the input's size " +
                                to_string(this->sizes()) + " and strides " + to_string(strides()) +
                                " (at least one dimension spans two contiguous subspaces); use reshape() instead");
  return reshape_view(*this, sizes, *st, "ViewBackward0");
}

Tensor Tensor::reshape(const Dims& shape) const {
  Dims sizes = detail::infer_size(shape, numel(), "reshape");
  if (auto st = detail::view_strides(this->sizes(), strides(), sizes)) return reshape_view(*this, sizes, *st, "ViewBackward0");
  return contiguous().view(sizes);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  int64_t s = wrap_dim(start_dim, dim(), "flatten"), e = wrap_dim(end_dim, dim(), "flatten");
  if (s > e) throw std::invalid_argument("flatten: start_dim " + std::to_string(start_dim) + " comes after end_dim " + std::to_string(end_dim));
  Dims shape;
  for (int64_t d = 0; d < s; ++d) shape.push_back(size(d));
  int64_t m = 1;
  for (int64_t d = s; d <= e; ++d) m *= size(d);
  shape.push_back(m);
  for (int64_t d = e + 1; d < dim(); ++d) shape.push_back(size(d));
  return reshape(shape);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  int64_t a = wrap_dim(d0, dim(), "transpose"), b = wrap_dim(d1, dim(), "transpose");
  Dims sizes = this->sizes(), st = strides();
  if (dim() > 0) {
    std::swap(sizes[a], sizes[b]);
    std::swap(st[a], st[b]);
  }
  Tensor out = detail::make_view(*this, sizes, st, storage_offset());
  record("TransposeBackward0", out, {this}, [a, b](const Tensor& g, NeedsGrad) -> TensorList { return {g.transpose(a, b)}; });
  return out;
}

Tensor Tensor::t() const {
  if (dim() > 2) throw std::invalid_argument("t() expects a tensor with <= 2 dimensions, but got shape " + to_string(sizes()));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::permute(const Dims& order) const {
  if (static_cast<int64_t>(order.size()) != dim())
    throw std::invalid_argument("permute: got " + std::to_string(order.size()) + " dims for a tensor of shape " + to_string(sizes()));
  Dims sizes, st, inverse(order.size());
  std::array<bool, kMaxDims> seen{};
  for (size_t i = 0; i < order.size(); ++i) {
    int64_t d = wrap_dim(order[i], dim(), "permute");
    if (seen[d]) throw std::invalid_argument("permute: dim " + std::to_string(d) + " repeats in " + to_string(order));
    seen[d] = true;
    sizes.push_back(size(d));
    st.push_back(stride(d));
    inverse[d] = static_cast<int64_t>(i);
  }
  Tensor out = detail::make_view(*this, sizes, st, storage_offset());
  record("PermuteBackward0", out, {this}, [inverse](const Tensor& g, NeedsGrad) -> TensorList { return {g.permute(inverse)}; });
  return out;
}

Tensor Tensor::unsqueeze(int64_t d) const {
  int64_t w = wrap_dim(d, dim() + 1, "unsqueeze");
  Dims sizes = this->sizes(), st = strides();
  sizes.insert(w, 1);
  st.insert(w, w < dim() ? stride(w) * size(w) : 1);
  Tensor out = detail::make_view(*this, sizes, st, storage_offset());
  record("UnsqueezeBackward0", out, {this}, [w](const Tensor& g, NeedsGrad) -> TensorList { return {g.squeeze(w)}; });
  return out;
}

Tensor Tensor::squeeze() const {
  Dims sizes, st;
  for (int64_t d = 0; d < dim(); ++d)
    if (size(d) != 1) { sizes.push_back(size(d)); st.push_back(stride(d)); }
  return reshape_view(*this, sizes, st, "SqueezeBackward0");
}

Tensor Tensor::squeeze(int64_t d) const {
  if (dim() == 0) return *this;
  int64_t w = wrap_dim(d, dim(), "squeeze");
  if (size(w) != 1) return *this;
  Dims sizes = this->sizes(), st = strides();
  sizes.erase(w);
  st.erase(w);
  return reshape_view(*this, sizes, st, "SqueezeBackward1");
}

Tensor Tensor::expand(const Dims& shape) const {
  if (static_cast<int64_t>(shape.size()) < dim())
    throw std::invalid_argument("expand: the number of sizes provided (" + std::to_string(shape.size()) +
                                ") must be at least the number of dimensions of shape " + to_string(sizes()));
  size_t lead = shape.size() - sizes().size();
  Dims sizes_out(shape.size()), st(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      if (shape[i] < 0) throw std::invalid_argument("expand: -1 is not allowed in a new leading dimension, shape " + to_string(shape));
      sizes_out[i] = shape[i];
      st[i] = 0;
      continue;
    }
    int64_t cur = size(static_cast<int64_t>(i - lead));
    int64_t want = shape[i] == -1 ? cur : shape[i];
    if (cur != want && cur != 1)
      throw std::invalid_argument("expand: the expanded size of the tensor (" + std::to_string(want) +
                                  ") must match the existing size (" + std::to_string(cur) + ") at dimension " +
                                  std::to_string(i) + "; shape " + to_string(sizes()) + " → " + to_string(shape));
    sizes_out[i] = want;
    st[i] = cur == want ? stride(static_cast<int64_t>(i - lead)) : 0;
  }
  Tensor out = detail::make_view(*this, sizes_out, st, storage_offset());
  Dims in_shape = sizes();
  record("ExpandBackward0", out, {this}, [in_shape](const Tensor& g, NeedsGrad) -> TensorList { return {kernels::sum_to(g, in_shape)}; });
  return out;
}

Tensor Tensor::narrow(int64_t dim_, int64_t start, int64_t length) const {
  int64_t d = wrap_dim(dim_, dim(), "narrow");
  int64_t n = size(d);
  if (start < 0) start += n;
  if (start < 0 || length < 0 || start + length > n)
    throw std::out_of_range("narrow: start " + std::to_string(start) + " + length " + std::to_string(length) +
                            " exceeds dimension " + std::to_string(d) + " of size " + std::to_string(n));
  return slice(d, start, start + length, 1);
}

Tensor Tensor::slice(int64_t dim_, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) const {
  Tensor v = raw_slice(*this, dim_, start, stop, step);
  return sliced_view(*this, v, "SliceBackward0",
                     [=](const Tensor& z) { return raw_slice(z, dim_, start, stop, step); });
}

Tensor Tensor::select(int64_t dim_, int64_t index) const {
  Tensor v = raw_select(*this, dim_, index);
  return sliced_view(*this, v, "SelectBackward0", [=](const Tensor& z) { return raw_select(z, dim_, index); });
}

Tensor Tensor::index(std::initializer_list<TensorIndex> idx) const { return index(std::vector<TensorIndex>(idx)); }

Tensor Tensor::index(const std::vector<TensorIndex>& idx) const {
  Tensor v = raw_index(*this, idx);
  return sliced_view(*this, v, "IndexBackward", [idx](const Tensor& z) { return raw_index(z, idx); });
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = kernels::contiguous(*this, true);
  record("CloneBackward0", out, {this}, [](const Tensor& g, NeedsGrad) -> TensorList { return {g}; });
  return out;
}

Tensor Tensor::to(Device device) const {
  check_cpu_device(device, "Tensor::to");
  return *this;
}

Tensor Tensor::to(ScalarType t) const {
  if (t == dtype()) return *this;
  Tensor out = kernels::convert(*this, t);
  if (ag::is_floating_point(t)) {
    ScalarType from = dtype();
    record("ToCopyBackward0", out, {this}, [from](const Tensor& g, NeedsGrad) -> TensorList { return {kernels::convert(g, from)}; });
  }
  return out;
}

}  // namespace ag
