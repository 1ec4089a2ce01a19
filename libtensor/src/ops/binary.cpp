// Binary elementwise ops with broadcasting: forward, then each backward rule
// (gradients summed back to each operand's shape).
#include <cmath>

#include "ops/op_util.h"

namespace ag {

using namespace ops;
using kernels::sum_to;

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  ScalarType t = promote_types(check_defined(a, "add").dtype(), check_defined(b, "add").dtype());
  Tensor out = alpha == 1 ? map_binary("add", a, b, t, t, [](auto x, auto y) { return x + y; })
                          : map_binary("add", a, b, t, t, [alpha](auto x, auto y) {
                              return x + static_cast<decltype(x)>(alpha) * y;
                            });
  Dims sa = a.sizes(), sb = b.sizes();
  record("AddBackward0", out, {&a, &b}, [sa, sb, alpha](const Tensor& g, NeedsGrad n) -> TensorList {
    return {n[0] ? sum_to(g, sa) : Tensor(), n[1] ? sum_to(alpha == 1 ? g : g * alpha, sb) : Tensor()};
  });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  ScalarType t = promote_types(check_defined(a, "sub").dtype(), check_defined(b, "sub").dtype());
  if (t == kBool) throw std::invalid_argument("sub: subtraction of bool tensors is not supported");
  Tensor out = alpha == 1 ? map_binary("sub", a, b, t, t, [](auto x, auto y) { return x - y; })
                          : map_binary("sub", a, b, t, t, [alpha](auto x, auto y) {
                              return x - static_cast<decltype(x)>(alpha) * y;
                            });
  Dims sa = a.sizes(), sb = b.sizes();
  record("SubBackward0", out, {&a, &b}, [sa, sb, alpha](const Tensor& g, NeedsGrad n) -> TensorList {
    return {n[0] ? sum_to(g, sa) : Tensor(), n[1] ? sum_to(g * -alpha, sb) : Tensor()};
  });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  ScalarType t = promote_types(check_defined(a, "mul").dtype(), check_defined(b, "mul").dtype());
  Tensor out = map_binary("mul", a, b, t, t, [](auto x, auto y) { return x * y; });
  if (autograd::any_requires_grad({&a, &b})) {
    Dims sa = a.sizes(), sb = b.sizes();
    record("MulBackward0", out, {&a, &b},
           [sa, sb, sva = SavedTensor(a), svb = SavedTensor(b)](const Tensor& g, NeedsGrad n) -> TensorList {
             return {n[0] ? sum_to(g * svb.unpack("MulBackward0"), sa) : Tensor(),
                     n[1] ? sum_to(g * sva.unpack("MulBackward0"), sb) : Tensor()};
           });
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  ScalarType t = promote_types(promote_types(check_defined(a, "div").dtype(), check_defined(b, "div").dtype()), kFloat32);
  Tensor out = map_binary("div", a, b, t, t, [](auto x, auto y) { return x / y; });
  if (autograd::any_requires_grad({&a, &b})) {
    Dims sa = a.sizes(), sb = b.sizes();
    record("DivBackward0", out, {&a, &b},
           [sa, sb, sva = SavedTensor(a), svb = SavedTensor(b)](const Tensor& g, NeedsGrad n) -> TensorList {
             const Tensor& bv = svb.unpack("DivBackward0");
             Tensor ga, gb;
             if (n[0]) ga = sum_to(g / bv, sa);
             if (n[1]) gb = sum_to(-g * ((sva.unpack("DivBackward0") / bv) / bv), sb);
             return {ga, gb};
           });
  }
  return out;
}

Tensor pow(const Tensor& a, const Tensor& e) {
  ScalarType t = promote_types(check_defined(a, "pow").dtype(), check_defined(e, "pow").dtype());
  Tensor out = map_binary("pow", a, e, t, t, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_integral_v<T>) {
      T r = 1;
      for (T i = 0; i < y; ++i) r *= x;
      return r;
    } else {
      return static_cast<T>(std::pow(x, y));
    }
  });
  if (autograd::any_requires_grad({&a, &e})) {
    Dims sa = a.sizes(), se = e.sizes();
    record("PowBackward1", out, {&a, &e},
           [sa, se, sva = SavedTensor(a), sve = SavedTensor(e), svo = SavedTensor(out)](const Tensor& g,
                                                                                        NeedsGrad n) -> TensorList {
             const Tensor& x = sva.unpack("PowBackward1");
             const Tensor& y = sve.unpack("PowBackward1");
             Tensor ga, ge;
             if (n[0]) ga = sum_to(where(y == zeros_like(y), zeros_like(g), g * y * pow(x, y - 1.0)), sa);
             if (n[1]) {
               const Tensor& o = svo.unpack("PowBackward1");
               Tensor safe = where((x == zeros_like(x)) & (y >= zeros_like(y)), zeros_like(o), o * log(x));
               ge = sum_to(g * safe, se);
             }
             return {ga, ge};
           });
  }
  return out;
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  ScalarType t = promote_types(check_defined(a, "maximum").dtype(), check_defined(b, "maximum").dtype());
  Tensor out = map_binary("maximum", a, b, t, t, [](auto x, auto y) {
    if constexpr (std::is_floating_point_v<decltype(x)>) {
      if (std::isnan(x) || std::isnan(y)) return x + y;
    }
    return x > y ? x : y;
  });
  if (autograd::any_requires_grad({&a, &b})) {
    Dims sa = a.sizes(), sb = b.sizes();
    record("MaximumBackward0", out, {&a, &b},
           [sa, sb, sva = SavedTensor(a), svb = SavedTensor(b)](const Tensor& g, NeedsGrad n) -> TensorList {
             const Tensor& x = sva.unpack("MaximumBackward0");
             const Tensor& y = svb.unpack("MaximumBackward0");
             Tensor half = where(x == y, g / 2.0, g);
             Tensor z = zeros_like(g);
             return {n[0] ? sum_to(where(x < y, z, half), sa) : Tensor(), n[1] ? sum_to(where(y < x, z, half), sb) : Tensor()};
           });
  }
  return out;
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  ScalarType t = promote_types(check_defined(a, "minimum").dtype(), check_defined(b, "minimum").dtype());
  Tensor out = map_binary("minimum", a, b, t, t, [](auto x, auto y) {
    if constexpr (std::is_floating_point_v<decltype(x)>) {
      if (std::isnan(x) || std::isnan(y)) return x + y;
    }
    return x < y ? x : y;
  });
  if (autograd::any_requires_grad({&a, &b})) {
    Dims sa = a.sizes(), sb = b.sizes();
    record("MinimumBackward0", out, {&a, &b},
           [sa, sb, sva = SavedTensor(a), svb = SavedTensor(b)](const Tensor& g, NeedsGrad n) -> TensorList {
             const Tensor& x = sva.unpack("MinimumBackward0");
             const Tensor& y = svb.unpack("MinimumBackward0");
             Tensor half = where(x == y, g / 2.0, g);
             Tensor z = zeros_like(g);
             return {n[0] ? sum_to(where(x > y, z, half), sa) : Tensor(), n[1] ? sum_to(where(y > x, z, half), sb) : Tensor()};
           });
  }
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_defined(cond, "where");
  ScalarType t = promote_types(check_defined(a, "where").dtype(), check_defined(b, "where").dtype());
  Dims shape = broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), "where"), b.sizes(), "where");
  Tensor c = kernels::convert(cond, kBool), x = kernels::convert(a, t), y = kernels::convert(b, t);
  Tensor out = detail::make_empty(shape, t);
  AG_DISPATCH_ALL(t, "where", [&] {
    kernels::elementwise<scalar_t>(
        out, std::tuple<const bool*, const scalar_t*, const scalar_t*>(c.data_ptr<bool>(), x.data_ptr<scalar_t>(), y.data_ptr<scalar_t>()),
        {c.unsafe_impl(), x.unsafe_impl(), y.unsafe_impl()}, [](bool k, scalar_t p, scalar_t q) { return k ? p : q; });
  });
  if (autograd::any_requires_grad({&a, &b})) {
    Dims sa = a.sizes(), sb = b.sizes();
    record("WhereBackward0", out, {&a, &b}, [sa, sb, svc = SavedTensor(c)](const Tensor& g, NeedsGrad n) -> TensorList {
      const Tensor& k = svc.unpack("WhereBackward0");
      Tensor z = zeros_like(g);
      return {n[0] ? sum_to(where(k, g, z), sa) : Tensor(), n[1] ? sum_to(where(k, z, g), sb) : Tensor()};
    });
  }
  return out;
}

// ---- comparisons and logic: masks, no gradient
#define AG_COMPARE(NAME, OP)                                                                        \
  Tensor NAME(const Tensor& a, const Tensor& b) {                                                   \
    ScalarType t = promote_types(check_defined(a, #NAME).dtype(), check_defined(b, #NAME).dtype()); \
    if (t == kBool) t = kInt64;                                                                     \
    return map_binary(#NAME, a, b, t, kBool, [](auto x, auto y) { return x OP y; });                \
  }
AG_COMPARE(eq, ==)
AG_COMPARE(ne, !=)
AG_COMPARE(lt, <)
AG_COMPARE(le, <=)
AG_COMPARE(gt, >)
AG_COMPARE(ge, >=)
#undef AG_COMPARE

Tensor operator&(const Tensor& a, const Tensor& b) {
  return map_binary("logical_and", a, b, kInt64, kBool, [](auto x, auto y) { return x != 0 && y != 0; });
}
Tensor operator|(const Tensor& a, const Tensor& b) {
  return map_binary("logical_or", a, b, kInt64, kBool, [](auto x, auto y) { return x != 0 || y != 0; });
}

// ---- operators
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }

namespace {
Tensor scalar_like(const Tensor& a, double s) {
  ScalarType t = a.is_floating_point() ? a.dtype() : (s == std::floor(s) ? kInt64 : kFloat32);
  return scalar_tensor(s, t);
}
}  // namespace
Tensor operator==(const Tensor& a, double s) { return eq(a, scalar_like(a, s)); }
Tensor operator!=(const Tensor& a, double s) { return ne(a, scalar_like(a, s)); }
Tensor operator<(const Tensor& a, double s) { return lt(a, scalar_like(a, s)); }
Tensor operator<=(const Tensor& a, double s) { return le(a, scalar_like(a, s)); }
Tensor operator>(const Tensor& a, double s) { return gt(a, scalar_like(a, s)); }
Tensor operator>=(const Tensor& a, double s) { return ge(a, scalar_like(a, s)); }

Tensor Tensor::add(const Tensor& o, double alpha) const { return ag::add(*this, o, alpha); }
Tensor Tensor::sub(const Tensor& o, double alpha) const { return ag::sub(*this, o, alpha); }
Tensor Tensor::mul(const Tensor& o) const { return ag::mul(*this, o); }
Tensor Tensor::div(const Tensor& o) const { return ag::div(*this, o); }
Tensor Tensor::pow(const Tensor& e) const { return ag::pow(*this, e); }
Tensor Tensor::eq(const Tensor& o) const { return ag::eq(*this, o); }
Tensor Tensor::ne(const Tensor& o) const { return ag::ne(*this, o); }
Tensor Tensor::lt(const Tensor& o) const { return ag::lt(*this, o); }
Tensor Tensor::le(const Tensor& o) const { return ag::le(*this, o); }
Tensor Tensor::gt(const Tensor& o) const { return ag::gt(*this, o); }
Tensor Tensor::ge(const Tensor& o) const { return ag::ge(*this, o); }

}  // namespace ag
