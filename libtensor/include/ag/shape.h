// Shapes and strides: a small inline array of dimensions, so creating a tensor
// does not allocate for its shape.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace ag {

/// Most dimensions a tensor may have. Departure from PyTorch (which allows 64):
/// inline storage keeps the per-op cost low, and no layer here needs more.
inline constexpr int kMaxDims = 8;

/// A list of sizes or strides, stored inline. Converts from and to std::vector.
class Dims {
 public:
  Dims() = default;
  Dims(std::initializer_list<int64_t> v) { assign(v.begin(), v.end()); }
  Dims(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }  // NOLINT: implicit by design
  template <typename It> Dims(It b, It e) { assign(b, e); }
  explicit Dims(size_t n, int64_t value = 0) { resize(n, value); }

  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t& operator[](size_t i) { return d_[i]; }
  int64_t operator[](size_t i) const { return d_[i]; }
  int64_t* begin() { return d_; }
  int64_t* end() { return d_ + n_; }
  const int64_t* begin() const { return d_; }
  const int64_t* end() const { return d_ + n_; }
  const int64_t* data() const { return d_; }
  int64_t back() const { return d_[n_ - 1]; }
  int64_t front() const { return d_[0]; }
  void push_back(int64_t v);
  void pop_back() { --n_; }
  void insert(size_t pos, int64_t v);
  void erase(size_t pos);
  void resize(size_t n, int64_t value = 0);
  std::vector<int64_t> vec() const { return std::vector<int64_t>(begin(), end()); }
  operator std::vector<int64_t>() const { return vec(); }  // NOLINT

  friend bool operator==(const Dims& a, const Dims& b);
  friend bool operator!=(const Dims& a, const Dims& b) { return !(a == b); }

 private:
  template <typename It> void assign(It b, It e) {
    n_ = 0;
    for (; b != e; ++b) push_back(static_cast<int64_t>(*b));
  }
  int64_t d_[kMaxDims] = {};
  uint8_t n_ = 0;
};

/// "[2, 3]"
std::string to_string(const Dims& d);
/// Product of the sizes (1 for a 0-d shape).
int64_t numel_of(const Dims& sizes);
/// Row-major strides for the given sizes.
Dims contiguous_strides(const Dims& sizes);
/// numel_of for sizes read from outside (files): throws std::invalid_argument
/// naming `what` when a size is negative, or when the sizes multiply beyond
/// int64 even with zero sizes counted as 1 (the strides would overflow: a
/// [2^62, 0, 4] tensor has no elements but cannot be indexed).
int64_t checked_numel(const Dims& sizes, const std::string& what);
/// The shape two operands broadcast to, PyTorch/NumPy rules; throws naming `op` and both shapes.
Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op);
/// Wraps a possibly negative dim into [0, ndim); throws naming `op` when out of range.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);

}  // namespace ag
