// Reductions (sum, mean, max, min, argmax, var, std) and their backward rules.
#include <cmath>

#include "ops/op_util.h"

namespace ag {

using namespace ops;
using kernels::ReduceOp;

namespace {

// The reduced dims as a list (all dims when `dims` is empty).
Dims reduced_dims(const Tensor& a, const Dims& dims, const char* op) {
  Dims out;
  if (dims.empty()) {
    for (int64_t d = 0; d < a.dim(); ++d) out.push_back(d);
  } else {
    for (int64_t d : dims) out.push_back(wrap_dim(d, a.dim(), op));
  }
  return out;
}

// Gradient of a reduction broadcast back to the input's shape.
Tensor expand_back(const Tensor& g, const Dims& in_shape, const Dims& red, bool keepdim) {
  Tensor x = g;
  if (!keepdim) {
    Dims sorted = red;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t d : sorted) x = x.unsqueeze(d);
  }
  return x.expand(in_shape);
}

int64_t count(const Tensor& a, const Dims& red) {
  int64_t n = 1;
  for (int64_t d : red) n *= a.size(d);
  return n;
}

}  // namespace

Tensor sum(const Tensor& a, const Dims& dims, bool keepdim) {
  Tensor out = kernels::reduce(check_defined(a, "sum"), dims, keepdim, ReduceOp::Sum);
  Dims shape = a.sizes(), red = reduced_dims(a, dims, "sum");
  // PyTorch's names: SumBackward0 for the whole tensor, SumBackward1 along dims.
  record(dims.empty() ? "SumBackward0" : "SumBackward1", out, {&a}, [shape, red, keepdim](const Tensor& g, NeedsGrad) -> TensorList {
    return {expand_back(g, shape, red, keepdim)};
  });
  return out;
}

Tensor mean(const Tensor& a, const Dims& dims, bool keepdim) {
  Tensor out = kernels::reduce(check_defined(a, "mean"), dims, keepdim, ReduceOp::Mean);
  Dims shape = a.sizes(), red = reduced_dims(a, dims, "mean");
  double n = static_cast<double>(count(a, red));
  record(dims.empty() ? "MeanBackward0" : "MeanBackward1", out, {&a}, [shape, red, keepdim, n](const Tensor& g, NeedsGrad) -> TensorList {
    return {expand_back(g / n, shape, red, keepdim)};
  });
  return out;
}

namespace {
// max/min over one dim (or all): the gradient goes to the position the index names.
Tensor extremum(const Tensor& a, std::optional<int64_t> dim, bool keepdim, bool is_max) {
  const char* name = is_max ? "max" : "min";
  check_defined(a, name);
  Dims dims = dim ? Dims{*dim} : Dims{};
  Tensor out = kernels::reduce(a, dims, keepdim, is_max ? ReduceOp::Max : ReduceOp::Min);
  if (autograd::any_requires_grad({&a})) {
    Tensor idx = kernels::reduce(a, dims, true, is_max ? ReduceOp::ArgMax : ReduceOp::ArgMin);
    Dims shape = a.sizes();
    std::optional<int64_t> d = dim ? std::optional<int64_t>(wrap_dim(*dim, a.dim(), name)) : std::nullopt;
    record(is_max ? "MaxBackward" : "MinBackward", out, {&a},
           [shape, d, keepdim, idx](const Tensor& g, NeedsGrad) -> TensorList {
             Tensor grad = zeros(shape, g.dtype());
             Tensor gk = kernels::contiguous(g);
             const int64_t* pi = idx.data_ptr<int64_t>();
             AG_DISPATCH_FLOATING(g.dtype(), "max_backward", [&] {
               const scalar_t* pg = gk.data_ptr<scalar_t>();
               scalar_t* po = grad.data_ptr<scalar_t>();
               if (!d) {
                 po[pi[0]] = pg[0];
                 return;
               }
               int64_t outer = 1, inner = 1, n = shape[*d];
               for (int64_t k = 0; k < *d; ++k) outer *= shape[k];
               for (size_t k = *d + 1; k < shape.size(); ++k) inner *= shape[k];
               for (int64_t o = 0; o < outer; ++o)
                 for (int64_t i = 0; i < inner; ++i) po[(o * n + pi[o * inner + i]) * inner + i] = pg[o * inner + i];
             });
             (void)keepdim;
             return {grad};
           });
  }
  return out;
}
}  // namespace

Tensor Tensor::sum() const { return ag::sum(*this); }
Tensor Tensor::sum(const Dims& dims, bool keepdim) const { return ag::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return ag::mean(*this); }
Tensor Tensor::mean(const Dims& dims, bool keepdim) const { return ag::mean(*this, dims, keepdim); }
Tensor Tensor::max() const { return extremum(*this, std::nullopt, false, true); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const {
  return {extremum(*this, dim, keepdim, true), argmax(dim, keepdim)};
}
Tensor Tensor::min() const { return extremum(*this, std::nullopt, false, false); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const {
  return {extremum(*this, dim, keepdim, false), kernels::reduce(*this, {dim}, keepdim, ReduceOp::ArgMin)};
}

Tensor Tensor::norm(double p) const {
  if (!is_floating_point()) throw std::invalid_argument(std::string("norm: needs a floating point tensor, got ") + dtype_name(dtype()));
  if (p == 2) return (*this * *this).sum().sqrt();
  if (p == 1) return abs().sum();
  if (!(p > 0) || std::isinf(p)) throw std::invalid_argument("norm: p must be positive and finite, got " + std::to_string(p));
  return abs().pow(p).sum().pow(1 / p);
}

Tensor Tensor::all() const {
  NoGradGuard no_grad;
  const Tensor nonzero = (*this != 0.0).to(kInt64).sum();
  return scalar_tensor(nonzero.item<int64_t>() == numel() ? 1 : 0, kBool);
}

Tensor Tensor::any() const {
  NoGradGuard no_grad;
  const Tensor nonzero = (*this != 0.0).to(kInt64).sum();
  return scalar_tensor(nonzero.item<int64_t>() > 0 ? 1 : 0, kBool);
}
Tensor Tensor::argmax() const { return kernels::reduce(*this, {}, false, ReduceOp::ArgMax); }
Tensor Tensor::argmax(int64_t dim, bool keepdim) const { return kernels::reduce(*this, {dim}, keepdim, ReduceOp::ArgMax); }

Tensor Tensor::var(const Dims& dims, bool unbiased, bool keepdim) const {
  if (!is_floating_point()) throw std::invalid_argument(std::string("var: needs a floating point tensor, got ") + dtype_name(dtype()));
  Dims red = reduced_dims(*this, dims, "var");
  double n = static_cast<double>(count(*this, red));
  Tensor centered = *this - ag::mean(*this, dims, true);
  return ag::sum(centered * centered, dims, keepdim) / (unbiased ? n - 1 : n);
}

Tensor Tensor::std(const Dims& dims, bool unbiased, bool keepdim) const { return var(dims, unbiased, keepdim).sqrt(); }

}  // namespace ag
