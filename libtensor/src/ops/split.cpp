// split, split_with_sizes and chunk: pieces along one dim as narrow() views of
// the input, so each piece's gradient flows back through the view's node into
// the right slice of the input's gradient, and no data is copied.
#include "ops/op_util.h"

namespace ag {

namespace {

std::vector<Tensor> pieces(const Tensor& t, const std::vector<int64_t>& sizes, int64_t d) {
  std::vector<Tensor> out;
  out.reserve(sizes.size());
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(t.narrow(d, start, s));
    start += s;
  }
  return out;
}

std::string sizes_text(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

}  // namespace

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t dim_) const {
  ops::check_defined(*this, "split");
  const int64_t d = wrap_dim(dim_, dim(), "split"), n = size(d);
  if (split_size < 0 || (split_size == 0 && n != 0))
    throw std::invalid_argument("split: split_size must be positive for dimension " + std::to_string(d) + " of size " +
                                std::to_string(n) + ", got " + std::to_string(split_size));
  if (n == 0) return {narrow(d, 0, 0)};
  std::vector<int64_t> sizes;
  for (int64_t start = 0; start < n; start += split_size) sizes.push_back(std::min(split_size, n - start));
  return pieces(*this, sizes, d);
}

std::vector<Tensor> Tensor::split_with_sizes(const std::vector<int64_t>& split_sizes, int64_t dim_) const {
  ops::check_defined(*this, "split_with_sizes");
  const int64_t d = wrap_dim(dim_, dim(), "split_with_sizes"), n = size(d);
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    if (s < 0)
      throw std::invalid_argument("split_with_sizes: sizes must be non-negative, got " + sizes_text(split_sizes));
    total += s;
  }
  if (total != n)
    throw std::invalid_argument("split_with_sizes: sizes " + sizes_text(split_sizes) + " add up to " +
                                std::to_string(total) + ", but dimension " + std::to_string(d) + " has size " +
                                std::to_string(n));
  return pieces(*this, split_sizes, d);
}

std::vector<Tensor> Tensor::split(const std::vector<int64_t>& split_sizes, int64_t dim) const { return split_with_sizes(split_sizes, dim); }

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t dim_) const {
  ops::check_defined(*this, "chunk");
  if (chunks <= 0) throw std::invalid_argument("chunk: chunks must be positive, got " + std::to_string(chunks));
  const int64_t d = wrap_dim(dim_, dim(), "chunk"), n = size(d);
  // As PyTorch: pieces of ceil(n / chunks), so there may be fewer than `chunks` of them;
  // an empty dim gives `chunks` empty pieces.
  if (n == 0) return pieces(*this, std::vector<int64_t>(static_cast<size_t>(chunks), 0), d);
  return split((n + chunks - 1) / chunks, d);
}

std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim) { return t.split(split_size, dim); }
std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& split_sizes, int64_t dim) { return t.split(split_sizes, dim); }
std::vector<Tensor> split_with_sizes(const Tensor& t, const std::vector<int64_t>& split_sizes, int64_t dim) {
  return t.split_with_sizes(split_sizes, dim);
}
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim) { return t.chunk(chunks, dim); }

}  // namespace ag
