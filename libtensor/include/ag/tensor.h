// ag::Tensor: a value-semantic handle to shared storage viewed through
// shape, strides and offset, with optional autograd state. The API follows
// libtorch's C++ frontend so a PyTorch user guesses it right.
#pragma once
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "ag/device.h"
#include "ag/dtype.h"
#include "ag/shape.h"

namespace ag {

namespace autograd {
class Node;
struct AutogradMeta;
}  // namespace autograd

/// Raw memory shared by a tensor and all its views. The version counter lives
/// here because every view of the memory must see in-place changes.
struct Storage {
  explicit Storage(size_t nbytes);
  /// Wraps memory owned elsewhere; `keep_alive` is released with the storage.
  Storage(void* data, size_t nbytes, std::shared_ptr<void> keep_alive);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data = nullptr;
  size_t nbytes = 0;
  uint32_t version = 0;
  std::shared_ptr<void> external;  // set when the memory is not ours to free
};

/// What a Tensor handle points to.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Dims sizes;
  Dims strides;  // in elements
  int64_t offset = 0;  // in elements
  ScalarType dtype = kFloat32;
  std::unique_ptr<autograd::AutogradMeta> autograd;
  TensorImpl();
  ~TensorImpl();
};

class Tensor;
using TensorList = std::vector<Tensor>;

/// Options for factories: dtype, device and requires_grad, chainable like libtorch's.
/// A device other than the CPU is refused by the factory that receives it.
struct TensorOptions {
  TensorOptions() = default;
  TensorOptions(ScalarType t) : dtype_(t) {}  // NOLINT: implicit, as in libtorch
  TensorOptions(Device d) : device_(d) {}     // NOLINT: implicit, as in libtorch
  TensorOptions(DeviceType d) : device_(d) {}  // NOLINT: implicit, as in libtorch
  TensorOptions dtype(ScalarType t) const { auto o = *this; o.dtype_ = t; return o; }
  TensorOptions device(Device d) const { auto o = *this; o.device_ = d; return o; }
  TensorOptions requires_grad(bool r = true) const { auto o = *this; o.requires_grad_ = r; return o; }
  Device device_ = kCPU;
  std::optional<ScalarType> dtype_;
  bool requires_grad_ = false;
  ScalarType dtype_or(ScalarType d) const { return dtype_ ? *dtype_ : d; }
};
inline TensorOptions dtype(ScalarType t) { return TensorOptions().dtype(t); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }
inline TensorOptions device(Device d) { return TensorOptions().device(d); }

/// One index in Tensor::index: an integer (removes the dim), a Slice, or None (adds a dim).
struct Slice {
  Slice(std::optional<int64_t> start = std::nullopt, std::optional<int64_t> stop = std::nullopt,
        int64_t step = 1)
      : start(start), stop(stop), step(step) {}
  std::optional<int64_t> start, stop;
  int64_t step;
};
struct NoneIndex {};
inline constexpr NoneIndex None{};
struct TensorIndex {
  TensorIndex(int64_t i) : kind(Int), integer(i) {}  // NOLINT
  TensorIndex(int i) : kind(Int), integer(i) {}      // NOLINT
  TensorIndex(Slice s) : kind(SliceKind), slice(s) {}  // NOLINT
  TensorIndex(NoneIndex) : kind(NoneKind) {}           // NOLINT
  enum Kind { Int, SliceKind, NoneKind } kind;
  int64_t integer = 0;
  Slice slice;
};

/// Handle returned by hook registration; pass it to remove_hook.
using HookHandle = uint64_t;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  void reset() { impl_.reset(); }
  TensorImpl* unsafe_impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  // ---- metadata
  ScalarType dtype() const { return impl().dtype; }
  ScalarType scalar_type() const { return impl().dtype; }
  int64_t dim() const { return static_cast<int64_t>(impl().sizes.size()); }
  const Dims& sizes() const { return impl().sizes; }
  const Dims& shape() const { return impl().sizes; }
  const Dims& strides() const { return impl().strides; }
  int64_t size(int64_t d) const;
  int64_t stride(int64_t d) const;
  int64_t numel() const { return numel_of(impl().sizes); }
  int64_t storage_offset() const { return impl().offset; }
  size_t element_size() const { return ag::element_size(dtype()); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
  bool is_contiguous() const;
  bool is_floating_point() const { return ag::is_floating_point(dtype()); }
  std::string toString() const;  // "FloatTensor[2, 3]"
  /// Always the CPU (see ag/device.h).
  Device device() const { return kCPU; }
  bool is_cpu() const { return true; }
  bool is_cuda() const { return false; }

  // ---- raw data
  void* data_ptr() const;
  template <typename T> T* data_ptr() const;
  /// The single value of a one-element tensor; throws for any other numel.
  double item() const;
  template <typename T> T item() const;

  // ---- autograd
  bool requires_grad() const;
  Tensor& requires_grad_(bool r = true);
  /// The accumulated gradient (undefined until backward reaches this leaf).
  const Tensor& grad() const;
  /// Assign or reset: `x.mutable_grad().reset()` is Python's `x.grad = None`.
  Tensor& mutable_grad();
  std::shared_ptr<autograd::Node> grad_fn() const;
  bool is_leaf() const;
  /// Backpropagates from this tensor. A non-scalar needs an explicit gradient.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  Tensor detach() const;
  Tensor& detach_();
  /// Keeps .grad for a non-leaf after backward.
  void retain_grad() const;
  /// Called with this tensor's gradient during backward; may return a replacement (or undefined to keep it).
  HookHandle register_hook(std::function<Tensor(const Tensor&)> hook) const;
  void remove_hook(HookHandle h) const;
  /// Leaf only: called after the gradient has been accumulated into .grad (torch's name).
  HookHandle register_post_accumulate_grad_hook(std::function<void(Tensor&)> hook) const;
  /// Bumped by every in-place change to the storage (shared with views).
  uint32_t _version() const { return impl().storage->version; }
  void bump_version() const { ++impl().storage->version; }

  // ---- views (share storage)
  Tensor view(const Dims& shape) const;
  Tensor reshape(const Dims& shape) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor permute(const Dims& order) const;
  Tensor t() const;
  Tensor unsqueeze(int64_t d) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t d) const;
  Tensor expand(const Dims& shape) const;
  Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1) const;
  Tensor index(std::initializer_list<TensorIndex> idx) const;
  Tensor index(const std::vector<TensorIndex>& idx) const;
  Tensor operator[](int64_t i) const { return select(0, i); }
  /// Views of consecutive pieces of `split_size` along `dim`, the last one shorter when
  /// the size is not a multiple (torch.split with an int).
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  /// Views of the given sizes along `dim`, which must add up to its size (torch.split with a list).
  std::vector<Tensor> split(const std::vector<int64_t>& split_sizes, int64_t dim = 0) const;
  std::vector<Tensor> split_with_sizes(const std::vector<int64_t>& split_sizes, int64_t dim = 0) const;
  /// split(ceil(size / chunks), dim): at most `chunks` views, fewer when the size does not
  /// allow that many (as PyTorch).
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(ScalarType t) const;
  /// The tensor itself for the CPU (no copy, as in libtorch when nothing changes);
  /// throws for any other device.
  Tensor to(Device device) const;
  Tensor to(Device device, ScalarType t) const { return to(device).to(t); }
  Tensor cpu() const { return *this; }
  /// view(other.sizes()).
  Tensor view_as(const Tensor& other) const { return view(other.sizes()); }
  Tensor reshape_as(const Tensor& other) const { return reshape(other.sizes()); }

  // ---- math (differentiable where the dtype is floating point)
  Tensor add(const Tensor& o, double alpha = 1) const;
  Tensor sub(const Tensor& o, double alpha = 1) const;
  Tensor mul(const Tensor& o) const;
  Tensor div(const Tensor& o) const;
  Tensor neg() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor pow(double e) const;
  Tensor pow(const Tensor& e) const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor clamp(std::optional<double> lo, std::optional<double> hi) const;
  Tensor clamp_min(double lo) const { return clamp(lo, std::nullopt); }
  Tensor clamp_max(double hi) const { return clamp(std::nullopt, hi); }
  /// softmax / log_softmax along `dim` (nn::functional's).
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;
  /// This tensor with `value` where the bool `mask` (broadcast to this shape) is true;
  /// differentiable in this tensor (no gradient flows where the mask is set).
  Tensor masked_fill(const Tensor& mask, double value) const;
  /// The p-norm of all elements, (Σ|x|^p)^(1/p).
  Tensor norm(double p = 2) const;
  /// Whether every (any) element is nonzero, as a bool scalar tensor.
  Tensor all() const;
  Tensor any() const;
  Tensor eq(const Tensor& o) const;
  Tensor ne(const Tensor& o) const;
  Tensor lt(const Tensor& o) const;
  Tensor le(const Tensor& o) const;
  Tensor gt(const Tensor& o) const;
  Tensor ge(const Tensor& o) const;
  Tensor sum() const;
  Tensor sum(const Dims& dims, bool keepdim = false) const;
  /// One dim as a bare integer (`t.sum(1)`). A template so that `t.sum({})` still means all dims.
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  Tensor sum(I dim, bool keepdim = false) const {
    return sum(Dims{static_cast<int64_t>(dim)}, keepdim);
  }
  Tensor mean() const;
  Tensor mean(const Dims& dims, bool keepdim = false) const;
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  Tensor mean(I dim, bool keepdim = false) const {
    return mean(Dims{static_cast<int64_t>(dim)}, keepdim);
  }
  Tensor max() const;
  /// (values, indices) of the largest element along `dim`, as libtorch's; the gradient
  /// flows to the position the index names. Ties give the first index.
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor argmax() const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor var(const Dims& dims = {}, bool unbiased = true, bool keepdim = false) const;
  Tensor std(const Dims& dims = {}, bool unbiased = true, bool keepdim = false) const;
  Tensor matmul(const Tensor& o) const;
  Tensor mm(const Tensor& o) const { return matmul(o); }
  /// [b, n, m] @ [b, m, p] → [b, n, p] for 3-D tensors only, batch sizes equal (torch.bmm).
  Tensor bmm(const Tensor& o) const;
  /// The lower (upper) triangle of the last two dims: element (i, j) is kept where
  /// j − i <= diagonal (j − i >= diagonal), zero elsewhere.
  Tensor tril(int64_t diagonal = 0) const;
  Tensor triu(int64_t diagonal = 0) const;

  // ---- in place (bump the version counter; no autograd history on leaves that require grad)
  Tensor& add_(const Tensor& o, double alpha = 1);
  Tensor& add_(double s);
  Tensor& sub_(const Tensor& o, double alpha = 1);
  Tensor& sub_(double s);
  Tensor& mul_(const Tensor& o);
  Tensor& mul_(double s);
  Tensor& div_(const Tensor& o);
  Tensor& div_(double s);
  Tensor& zero_();
  Tensor& fill_(double v);
  Tensor& copy_(const Tensor& src);
  /// Fills from U(from, to) / N(mean, std) with the global generator (ag/generator.h).
  Tensor& uniform_(double from = 0, double to = 1);
  Tensor& normal_(double mean = 0, double std = 1);
  Tensor& masked_fill_(const Tensor& mask, double value);

  // The same in-place operations on a const handle, as libtorch declares them: a Tensor
  // is a handle, so `x.grad().zero_()` changes the shared gradient, not the handle.
  const Tensor& zero_() const { return const_cast<Tensor*>(this)->zero_(); }
  const Tensor& fill_(double v) const { return const_cast<Tensor*>(this)->fill_(v); }
  const Tensor& copy_(const Tensor& src) const { return const_cast<Tensor*>(this)->copy_(src); }
  const Tensor& add_(const Tensor& o, double alpha = 1) const { return const_cast<Tensor*>(this)->add_(o, alpha); }
  const Tensor& sub_(const Tensor& o, double alpha = 1) const { return const_cast<Tensor*>(this)->sub_(o, alpha); }
  const Tensor& mul_(const Tensor& o) const { return const_cast<Tensor*>(this)->mul_(o); }
  const Tensor& mul_(double s) const { return const_cast<Tensor*>(this)->mul_(s); }
  const Tensor& div_(double s) const { return const_cast<Tensor*>(this)->div_(s); }
  const Tensor& uniform_(double from = 0, double to = 1) const { return const_cast<Tensor*>(this)->uniform_(from, to); }
  const Tensor& normal_(double mean = 0, double std = 1) const { return const_cast<Tensor*>(this)->normal_(mean, std); }

  bool equal(const Tensor& o) const;
  bool allclose(const Tensor& o, double rtol = 1e-5, double atol = 1e-8) const;

 private:
  TensorImpl& impl() const;
  std::shared_ptr<TensorImpl> impl_;
};

// ---- nested initializer lists: ag::tensor({{1., 2.}, {3., 4.}})
/// A value or a nested list of values, for ag::tensor. Integers alone give int64, as in PyTorch.
class NestedList {
 public:
  NestedList(double v) : scalar_(v), is_scalar_(true) {}  // NOLINT
  NestedList(float v) : scalar_(v), is_scalar_(true) {}   // NOLINT
  NestedList(int v) : scalar_(v), is_scalar_(true), is_int_(true) {}  // NOLINT
  NestedList(int64_t v) : scalar_(static_cast<double>(v)), is_scalar_(true), is_int_(true) {}  // NOLINT
  NestedList(bool v) : scalar_(v ? 1 : 0), is_scalar_(true), is_bool_(true) {}  // NOLINT
  NestedList(std::initializer_list<NestedList> l) : list_(l) {}
  void flatten_into(std::vector<double>& out, Dims& shape, size_t depth, bool& any_float, bool& all_bool) const;

 private:
  double scalar_ = 0;
  bool is_scalar_ = false, is_int_ = false, is_bool_ = false;
  std::vector<NestedList> list_;
};

// ---- creation
Tensor tensor(const NestedList& values, TensorOptions opts = {});
Tensor from_vector(const std::vector<float>& v, const Dims& shape, TensorOptions opts = {});
Tensor from_vector(const std::vector<double>& v, const Dims& shape, TensorOptions opts = {});
Tensor from_vector(const std::vector<int64_t>& v, const Dims& shape, TensorOptions opts = {});
/// Wraps memory owned elsewhere without copying; `owner` keeps it alive.
Tensor from_blob(void* data, const Dims& shape, ScalarType dtype, std::shared_ptr<void> owner = nullptr);
/// libtorch's form: the dtype from `opts` (float32 by default); the memory must outlive the tensor.
inline Tensor from_blob(void* data, const Dims& shape, TensorOptions opts = {}) {
  check_cpu_device(opts.device_, "from_blob");
  Tensor t = from_blob(data, shape, opts.dtype_or(kFloat32));
  if (opts.requires_grad_) t.requires_grad_(true);
  return t;
}
Tensor empty(const Dims& shape, TensorOptions opts = {});
Tensor zeros(const Dims& shape, TensorOptions opts = {});
Tensor ones(const Dims& shape, TensorOptions opts = {});
Tensor full(const Dims& shape, double value, TensorOptions opts = {});
/// One-dimensional forms, as libtorch's `torch::zeros(n)` (its sizes convert from one
/// integer). Templates, so that `zeros({})` still means a 0-d tensor.
template <std::integral I>
  requires(!std::same_as<I, bool>)
Tensor empty(I n, TensorOptions opts = {}) {
  return empty(Dims{static_cast<int64_t>(n)}, opts);
}
template <std::integral I>
  requires(!std::same_as<I, bool>)
Tensor zeros(I n, TensorOptions opts = {}) {
  return zeros(Dims{static_cast<int64_t>(n)}, opts);
}
template <std::integral I>
  requires(!std::same_as<I, bool>)
Tensor ones(I n, TensorOptions opts = {}) {
  return ones(Dims{static_cast<int64_t>(n)}, opts);
}
Tensor zeros_like(const Tensor& t, TensorOptions opts = {});
Tensor ones_like(const Tensor& t, TensorOptions opts = {});
Tensor empty_like(const Tensor& t, TensorOptions opts = {});
Tensor full_like(const Tensor& t, double value, TensorOptions opts = {});
Tensor scalar_tensor(double v, TensorOptions opts = {});
/// [start, end) in steps; int64 when all three are integers and no dtype is given.
Tensor arange(double end, TensorOptions opts = {});
Tensor arange(double start, double end, double step = 1, TensorOptions opts = {});
Tensor linspace(double start, double end, int64_t steps, TensorOptions opts = {});
Tensor eye(int64_t n, TensorOptions opts = {});
Tensor eye(int64_t n, int64_t m, TensorOptions opts = {});

// ---- free-function math
Tensor add(const Tensor& a, const Tensor& b, double alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double s);
Tensor mul(const Tensor& a, double s);
Tensor rsub(const Tensor& a, double s);  // s - a
Tensor rdiv(const Tensor& a, double s);  // s / a
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor pow(const Tensor& a, double e);
Tensor pow(const Tensor& a, const Tensor& e);
Tensor tanh(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor clamp(const Tensor& a, std::optional<double> lo, std::optional<double> hi);
/// torch.isfinite: a bool tensor of a's shape, true where the element is neither
/// inf, -inf nor NaN (everywhere for integer and bool tensors). Not differentiable.
Tensor isfinite(const Tensor& a);
/// Whether every element of `a` is finite: isfinite(a).all() without the bool
/// tensor, in one vectorised pass (a copy first when `a` is not contiguous). True
/// for an empty tensor and for integer and bool tensors.
bool all_finite(const Tensor& a);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor sum(const Tensor& a, const Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& a, const Dims& dims = {}, bool keepdim = false);
/// NumPy's matmul: 1-D operands are promoted and the added dim dropped; batch dims (all
/// but the last two) broadcast, e.g. [2, 1, 3, 4] @ [5, 4, 6] → [2, 5, 3, 6].
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor tril(const Tensor& input, int64_t diagonal = 0);
Tensor triu(const Tensor& input, int64_t diagonal = 0);
std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& split_sizes, int64_t dim = 0);
std::vector<Tensor> split_with_sizes(const Tensor& t, const std::vector<int64_t>& split_sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);
Tensor cat(const TensorList& ts, int64_t dim = 0);
Tensor stack(const TensorList& ts, int64_t dim = 0);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, double s);
Tensor operator+(double s, const Tensor& a);
Tensor operator-(const Tensor& a, double s);
Tensor operator-(double s, const Tensor& a);
Tensor operator*(const Tensor& a, double s);
Tensor operator*(double s, const Tensor& a);
Tensor operator/(const Tensor& a, double s);
Tensor operator/(double s, const Tensor& a);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
/// Comparisons with a scalar, which does not promote a floating tensor's dtype (as in PyTorch).
Tensor operator==(const Tensor& a, double s);
Tensor operator!=(const Tensor& a, double s);
Tensor operator<(const Tensor& a, double s);
Tensor operator<=(const Tensor& a, double s);
Tensor operator>(const Tensor& a, double s);
Tensor operator>=(const Tensor& a, double s);
/// Elementwise logical and / or of masks (any nonzero is true).
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);
Tensor& operator+=(Tensor& a, double s);
Tensor& operator-=(Tensor& a, double s);
Tensor& operator*=(Tensor& a, double s);
Tensor& operator/=(Tensor& a, double s);

/// PyTorch's repr: tensor([[1., 2.], [3., 4.]], requires_grad=True)
std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::string repr(const Tensor& t);

}  // namespace ag
