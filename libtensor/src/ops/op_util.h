// Shared plumbing for differentiable ops: dtype handling and the map helpers
// that run a lambda through the elementwise loop.
#pragma once
#include <stdexcept>
#include <string>

#include "ag/autograd.h"
#include "ag/tensor.h"
#include "autograd/function.h"
#include "kernels/kernels.h"
#include "kernels/loop.h"
#include "tensor/make.h"

namespace ag::ops {

using autograd::NeedsGrad;
using autograd::record;
using autograd::SavedTensor;

inline const Tensor& check_defined(const Tensor& t, const char* op) {
  if (!t.defined()) throw std::invalid_argument(std::string(op) + ": got an undefined tensor");
  return t;
}

/// out = f(a) elementwise; f is generic over the element type.
template <typename F>
Tensor map_unary(const char* name, const Tensor& a, ScalarType t, F f) {
  check_defined(a, name);
  Tensor x = kernels::convert(a, t);
  Tensor out = detail::make_empty(x.sizes(), t);
  AG_DISPATCH_NUMERIC(t, name, [&] {
    kernels::elementwise<scalar_t>(out, std::tuple<const scalar_t*>(x.data_ptr<scalar_t>()), {x.unsafe_impl()},
                                   [&f](scalar_t v) { return static_cast<scalar_t>(f(v)); });
  });
  return out;
}

/// out = f(a, b) with broadcasting; operands converted to `t`, output of dtype `out_t`.
template <typename F>
Tensor map_binary(const char* name, const Tensor& a, const Tensor& b, ScalarType t, ScalarType out_t, F f) {
  check_defined(a, name);
  check_defined(b, name);
  Dims shape = broadcast_shapes(a.sizes(), b.sizes(), name);
  Tensor x = kernels::convert(a, t), y = kernels::convert(b, t);
  Tensor out = detail::make_empty(shape, out_t);
  AG_DISPATCH_NUMERIC(t, name, [&] {
    using in_t = scalar_t;
    AG_DISPATCH_ALL(out_t, name, [&] {
      kernels::elementwise<scalar_t>(out, std::tuple<const in_t*, const in_t*>(x.data_ptr<in_t>(), y.data_ptr<in_t>()),
                                     {x.unsafe_impl(), y.unsafe_impl()},
                                     [&f](in_t p, in_t q) { return static_cast<scalar_t>(f(p, q)); });
    });
  });
  return out;
}

/// The dtype arithmetic on `a` and a Python-style scalar gives: a float scalar
/// turns an integer tensor into float32; otherwise the tensor's dtype stays.
inline ScalarType scalar_result_type(const Tensor& a, double s) {
  if (a.is_floating_point()) return a.dtype();
  return s == static_cast<double>(static_cast<int64_t>(s)) ? kInt64 : kFloat32;
}

inline ScalarType float_type(const Tensor& a) { return a.is_floating_point() ? a.dtype() : kFloat32; }

}  // namespace ag::ops
