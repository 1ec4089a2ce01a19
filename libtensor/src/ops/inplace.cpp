// In-place ops. Each bumps the storage's version counter, which is how saved
// tensors notice they changed. In-place ops are not recorded by autograd:
// departure from PyTorch (which rebases history), kept simple because
// optimizers, the only heavy users, run under NoGradGuard.
#include <cmath>

#include "kernels/arith.h"
#include "ops/op_util.h"

namespace ag {

using namespace ops;

namespace {
void check_inplace(const Tensor& self, const Tensor* other, const char* op) {
  check_defined(self, op);
  if (GradMode::is_enabled() && (self.requires_grad() || (other && other->defined() && other->requires_grad()))) {
    if (self.requires_grad() && self.is_leaf())
      throw std::runtime_error(std::string(op) +
                               ": a leaf tensor that requires grad is being used in an in-place operation; "
                               "wrap it in NoGradGuard (as optimizers do)");
    throw std::runtime_error(std::string(op) +
                             ": in-place operations on tensors that take part in autograd are not recorded; use the "
                             "out-of-place form or NoGradGuard");
  }
}

// self = f(self, other) in place, with other broadcast to self's shape.
template <typename F>
Tensor& inplace_binary(Tensor& self, const Tensor& other, const char* op, F f) {
  check_inplace(self, &other, op);
  check_defined(other, op);
  Dims b = broadcast_shapes(self.sizes(), other.sizes(), op);
  if (b != self.sizes())
    throw std::invalid_argument(std::string(op) + ": output with shape " + to_string(self.sizes()) +
                                " doesn't match the broadcast shape " + to_string(b));
  Tensor o = kernels::convert(other, self.dtype());
  AG_DISPATCH_NUMERIC(self.dtype(), op, [&] {
    kernels::elementwise<scalar_t>(self, std::tuple<const scalar_t*, const scalar_t*>(self.data_ptr<scalar_t>(), o.data_ptr<scalar_t>()),
                                   {self.unsafe_impl(), o.unsafe_impl()},
                                   [&f](scalar_t x, scalar_t y) { return static_cast<scalar_t>(f(x, y)); });
  });
  self.bump_version();
  return self;
}

template <typename F>
Tensor& inplace_unary(Tensor& self, const char* op, F f) {
  check_inplace(self, nullptr, op);
  AG_DISPATCH_NUMERIC(self.dtype(), op, [&] {
    kernels::elementwise<scalar_t>(self, std::tuple<const scalar_t*>(self.data_ptr<scalar_t>()), {self.unsafe_impl()},
                                   [&f](scalar_t x) { return static_cast<scalar_t>(f(x)); });
  });
  self.bump_version();
  return self;
}
}  // namespace

Tensor& Tensor::add_(const Tensor& o, double alpha) {
  return alpha == 1 ? inplace_binary(*this, o, "add_", [](auto x, auto y) { return x + y; })
                    : inplace_binary(*this, o, "add_", [alpha](auto x, auto y) { return x + static_cast<decltype(x)>(alpha) * y; });
}
Tensor& Tensor::sub_(const Tensor& o, double alpha) {
  return inplace_binary(*this, o, "sub_", [alpha](auto x, auto y) { return x - static_cast<decltype(x)>(alpha) * y; });
}
Tensor& Tensor::mul_(const Tensor& o) { return inplace_binary(*this, o, "mul_", [](auto x, auto y) { return x * y; }); }
Tensor& Tensor::div_(const Tensor& o) {
  if (!is_floating_point()) throw std::invalid_argument("div_: result of true division is float and cannot be stored in an int64 tensor");
  return inplace_binary(*this, o, "div_", [](auto x, auto y) { return x / y; });
}
Tensor& Tensor::add_(double s) { return inplace_unary(*this, "add_", [s](auto x) { return x + static_cast<decltype(x)>(s); }); }
Tensor& Tensor::sub_(double s) { return inplace_unary(*this, "sub_", [s](auto x) { return x - static_cast<decltype(x)>(s); }); }
Tensor& Tensor::mul_(double s) { return inplace_unary(*this, "mul_", [s](auto x) { return x * static_cast<decltype(x)>(s); }); }
Tensor& Tensor::div_(double s) {
  if (!is_floating_point()) throw std::invalid_argument("div_: result of true division is float and cannot be stored in an int64 tensor");
  return inplace_unary(*this, "div_", [s](auto x) { return x / static_cast<decltype(x)>(s); });
}

Tensor& Tensor::zero_() { return fill_(0); }

Tensor& Tensor::fill_(double v) {
  check_inplace(*this, nullptr, "fill_");
  kernels::fill(*this, v);
  bump_version();
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, &src, "copy_");
  check_defined(src, "copy_");
  Dims b = broadcast_shapes(sizes(), src.sizes(), "copy_");
  if (b != sizes())
    throw std::invalid_argument("copy_: source of shape " + to_string(src.sizes()) + " cannot be broadcast to " + to_string(sizes()));
  kernels::copy_into(*this, src);
  bump_version();
  return *this;
}

Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator+=(Tensor& a, double s) { return a.add_(s); }
Tensor& operator-=(Tensor& a, double s) { return a.sub_(s); }
Tensor& operator*=(Tensor& a, double s) { return a.mul_(s); }
Tensor& operator/=(Tensor& a, double s) { return a.div_(s); }

bool Tensor::equal(const Tensor& o) const {
  if (sizes() != o.sizes() || dtype() != o.dtype()) return false;
  NoGradGuard g;
  return ag::eq(*this, o).to(kInt64).sum().item<int64_t>() == numel();
}

bool Tensor::allclose(const Tensor& o, double rtol, double atol) const {
  NoGradGuard g;
  Tensor a = to(kFloat64), b = o.to(kFloat64);
  Tensor ok = map_binary("allclose", a, b, kFloat64, kBool, [rtol, atol](double x, double y) {
    if (std::isnan(x) || std::isnan(y)) return false;
    if (x == y) return true;
    return std::fabs(x - y) <= atol + rtol * std::fabs(y);
  });
  return ok.to(kInt64).sum().item<int64_t>() == ok.numel();
}

}  // namespace ag
