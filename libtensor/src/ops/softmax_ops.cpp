// softmax and log_softmax along one dim, numerically stable (the max is
// subtracted before exp; log_softmax never takes the log of a softmax).
// The input is seen as [outer, n, inner]; each [n, inner] block is one task,
// and the loops run along `inner` so the common last-dim case (inner = 1) and
// the strided case share one code path.
#include <cmath>
#include <limits>
#include <vector>

#include "ag/nn/functional.h"
#include "ops/dim_split.h"
#include "ops/op_util.h"

namespace ag::nn::functional {

using namespace ag::ops;

namespace {

// Runs block(o, scratch) for every outer index, in parallel, with 2·inner scratch values per task.
template <typename T, typename Block>
void for_blocks(const DimSplit& s, Block block) {
  int64_t grain = std::max<int64_t>(1, kernels::kParallelGrain / std::max<int64_t>(s.block(), 1));
  kernels::parallel_for(s.outer, grain, [&](int64_t b, int64_t e) {
    std::vector<T> scratch(static_cast<size_t>(2 * s.inner));
    for (int64_t o = b; o < e; ++o) block(o, scratch.data(), scratch.data() + s.inner);
  });
}

template <typename T>
void softmax_forward(const T* x, T* y, const DimSplit& s, bool log) {
  const int64_t n = s.n, in = s.inner;
  for_blocks<T>(s, [&](int64_t o, T* mx, T* sum) {
    const T* xb = x + o * s.block();
    T* yb = y + o * s.block();
    for (int64_t j = 0; j < in; ++j) mx[j] = -std::numeric_limits<T>::infinity(), sum[j] = 0;
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < in; ++j) mx[j] = std::max(mx[j], xb[k * in + j]);
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < in; ++j) {
        T e = std::exp(xb[k * in + j] - mx[j]);
        if (!log) yb[k * in + j] = e;
        sum[j] += e;
      }
    if (log) {
      // (x − max) − log Σ: subtracting max first keeps float precision for large logits.
      for (int64_t j = 0; j < in; ++j) sum[j] = std::log(sum[j]);
      for (int64_t k = 0; k < n; ++k)
        for (int64_t j = 0; j < in; ++j) yb[k * in + j] = (xb[k * in + j] - mx[j]) - sum[j];
    } else {
      for (int64_t j = 0; j < in; ++j) sum[j] = T(1) / sum[j];
      for (int64_t k = 0; k < n; ++k)
        for (int64_t j = 0; j < in; ++j) yb[k * in + j] *= sum[j];
    }
  });
}

// softmax: dx = y·(g − Σ g·y); log_softmax: dx = g − exp(y)·Σ g.
template <typename T>
void softmax_backward(const T* g, const T* y, T* dx, const DimSplit& s, bool log) {
  const int64_t n = s.n, in = s.inner;
  for_blocks<T>(s, [&](int64_t o, T* acc, T*) {
    const T* gb = g + o * s.block();
    const T* yb = y + o * s.block();
    T* db = dx + o * s.block();
    for (int64_t j = 0; j < in; ++j) acc[j] = 0;
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < in; ++j) acc[j] += log ? gb[k * in + j] : gb[k * in + j] * yb[k * in + j];
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < in; ++j) {
        int64_t i = k * in + j;
        db[i] = log ? gb[i] - std::exp(yb[i]) * acc[j] : yb[i] * (gb[i] - acc[j]);
      }
  });
}

Tensor softmax_impl(const Tensor& input, int64_t dim, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  if (!check_defined(input, name).is_floating_point())
    throw std::invalid_argument(std::string(name) + ": needs a floating point tensor, got " + dtype_name(input.dtype()));
  int64_t d = wrap_dim(dim, input.dim(), name);
  DimSplit s = split_at(input.sizes(), d);
  Tensor x = kernels::contiguous(input.detach());
  Tensor out = detail::make_empty(input.sizes(), input.dtype());
  AG_DISPATCH_FLOATING(input.dtype(), name, [&] { softmax_forward(x.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), s, log); });
  if (autograd::any_requires_grad({&input}))
    record(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", out, {&input},
           [sy = SavedTensor(out), s, log](const Tensor& g, NeedsGrad) -> TensorList {
             const Tensor& y = sy.unpack(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0");
             Tensor gc = kernels::contiguous(g);
             Tensor dx = detail::make_empty(y.sizes(), y.dtype());
             AG_DISPATCH_FLOATING(y.dtype(), "softmax_backward", [&] {
               softmax_backward(gc.data_ptr<scalar_t>(), y.data_ptr<scalar_t>(), dx.data_ptr<scalar_t>(), s, log);
             });
             return {dx};
           });
  return out;
}

}  // namespace

Tensor softmax(const Tensor& input, int64_t dim) { return softmax_impl(input, dim, false); }
Tensor log_softmax(const Tensor& input, int64_t dim) { return softmax_impl(input, dim, true); }

}  // namespace ag::nn::functional

namespace ag {
Tensor Tensor::softmax(int64_t dim) const { return nn::functional::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return nn::functional::log_softmax(*this, dim); }
}  // namespace ag
