// Shape arithmetic: broadcasting, strides, dimension wrapping.
#include "ag/shape.h"

#include <stdexcept>

namespace ag {

void Dims::push_back(int64_t v) {
  if (n_ >= kMaxDims)
    throw std::invalid_argument("tensor has more than " + std::to_string(kMaxDims) + " dimensions, allgrad's limit");
  d_[n_++] = v;
}

void Dims::insert(size_t pos, int64_t v) {
  push_back(0);
  for (size_t i = n_ - 1; i > pos; --i) d_[i] = d_[i - 1];
  d_[pos] = v;
}

void Dims::erase(size_t pos) {
  for (size_t i = pos; i + 1 < n_; ++i) d_[i] = d_[i + 1];
  --n_;
}

void Dims::resize(size_t n, int64_t value) {
  if (n > static_cast<size_t>(kMaxDims))
    throw std::invalid_argument("tensor has more than " + std::to_string(kMaxDims) + " dimensions, allgrad's limit");
  for (size_t i = n_; i < n; ++i) d_[i] = value;
  n_ = static_cast<uint8_t>(n);
}

bool operator==(const Dims& a, const Dims& b) {
  if (a.n_ != b.n_) return false;
  for (size_t i = 0; i < a.n_; ++i)
    if (a.d_[i] != b.d_[i]) return false;
  return true;
}

std::string to_string(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(d[i]);
  }
  return s + "]";
}

int64_t numel_of(const Dims& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

int64_t checked_numel(const Dims& sizes, const std::string& what) {
  int64_t span = 1;
  bool empty = false;
  for (int64_t s : sizes) {
    if (s < 0) throw std::invalid_argument(what + ": negative size in shape " + to_string(sizes));
    empty = empty || s == 0;
    if (s > 0 && __builtin_mul_overflow(span, s, &span))
      throw std::invalid_argument(what + ": shape " + to_string(sizes) + " has more elements than int64 can count");
  }
  return empty ? 0 : span;
}

Dims contiguous_strides(const Dims& sizes) {
  Dims st(sizes.size());
  int64_t acc = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    st[i] = acc;
    acc *= sizes[i] > 0 ? sizes[i] : 1;
  }
  return st;
}

Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Dims out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw std::invalid_argument(std::string(op) + ": shapes " + to_string(a) + " and " + to_string(b) +
                                  " cannot be broadcast (dimension " + std::to_string(i) + ": " +
                                  std::to_string(da) + " vs " + std::to_string(db) + ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t lo = ndim > 0 ? -ndim : -1, hi = ndim > 0 ? ndim - 1 : 0;
  if (dim < lo || dim > hi)
    throw std::out_of_range(std::string(op) + ": dimension " + std::to_string(dim) + " is out of range for a " +
                            std::to_string(ndim) + "-d tensor (expected " + std::to_string(lo) + ".." +
                            std::to_string(hi) + ")");
  return dim < 0 ? dim + (ndim > 0 ? ndim : 1) : dim;
}

}  // namespace ag
