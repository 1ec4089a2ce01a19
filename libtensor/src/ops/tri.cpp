// tril / triu: the lower / upper triangle of the last two dims (element (i, j)
// kept when j − i <= k, resp. >= k), zeros elsewhere. Both are linear masks,
// so the gradient is the same triangle of the incoming gradient.
#include "ops/op_util.h"

namespace ag {

using namespace ops;

namespace {

template <typename T>
void keep_triangle(const T* x, T* y, int64_t mats, int64_t rows, int64_t cols, int64_t k, bool lower) {
  for (int64_t m = 0; m < mats; ++m)
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t base = (m * rows + i) * cols;
      for (int64_t j = 0; j < cols; ++j) {
        const bool keep = lower ? j - i <= k : j - i >= k;
        y[base + j] = keep ? x[base + j] : T(0);
      }
    }
}

Tensor triangle(const Tensor& input, int64_t diagonal, bool lower) {
  const char* name = lower ? "tril" : "triu";
  check_defined(input, name);
  if (input.dim() < 2)
    throw std::invalid_argument(std::string(name) + ": input needs at least 2 dims, got shape " + to_string(input.sizes()));
  const int64_t rows = input.size(-2), cols = input.size(-1);
  const int64_t mats = rows * cols == 0 ? 0 : input.numel() / (rows * cols);
  Tensor x = kernels::contiguous(input.detach());
  Tensor out = detail::make_empty(input.sizes(), input.dtype());
  AG_DISPATCH_ALL(input.dtype(), name, [&] {
    keep_triangle(x.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), mats, rows, cols, diagonal, lower);
  });
  if (autograd::any_requires_grad({&input}))
    record(lower ? "TrilBackward0" : "TriuBackward0", out, {&input},
           [diagonal, lower](const Tensor& g, NeedsGrad) -> TensorList { return {triangle(g, diagonal, lower)}; });
  return out;
}

}  // namespace

Tensor tril(const Tensor& input, int64_t diagonal) { return triangle(input, diagonal, true); }
Tensor triu(const Tensor& input, int64_t diagonal) { return triangle(input, diagonal, false); }
Tensor Tensor::tril(int64_t diagonal) const { return ag::tril(*this, diagonal); }
Tensor Tensor::triu(int64_t diagonal) const { return ag::triu(*this, diagonal); }

}  // namespace ag
