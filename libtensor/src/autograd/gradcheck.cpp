// Finite-difference Jacobians against autograd's, one output element at a time.
#include "ag/gradcheck.h"

#include <cmath>
#include <sstream>

#include "ag/autograd.h"

namespace ag {

GradcheckResult gradcheck(const std::function<Tensor(const TensorList&)>& fn, const TensorList& inputs,
                          GradcheckOptions opts) {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad() && inputs[i].dtype() != kFloat64)
      return {false, "gradcheck: input " + std::to_string(i) + " is " + dtype_name(inputs[i].dtype()) +
                         "; use float64 for finite differences"};
  Tensor out0;
  {
    NoGradGuard g;
    out0 = fn(inputs).contiguous();
  }
  int64_t m = out0.numel();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !x.requires_grad()) continue;
    int64_t n = x.numel();
    // numeric[j][k] = d out[k] / d x[j]
    std::vector<double> numeric(static_cast<size_t>(n * m)), analytic(static_cast<size_t>(n * m));
    Tensor xc = x.detach();  // shares storage: perturb in place, restore after
    for (int64_t j = 0; j < n; ++j) {
      // Index j in x's own (possibly strided) layout.
      int64_t off = 0, rem = j;
      for (int64_t d = x.dim() - 1; d >= 0; --d) {
        off += (rem % x.size(d)) * x.stride(d);
        rem /= x.size(d);
      }
      double* p = static_cast<double*>(xc.unsafe_impl()->storage->data) + x.storage_offset() + off;
      double orig = *p;
      Tensor plus, minus;
      {
        NoGradGuard g;
        *p = orig + opts.eps;
        plus = fn(inputs).to(kFloat64).clone();
        *p = orig - opts.eps;
        minus = fn(inputs).to(kFloat64).clone();
        *p = orig;
      }
      const double* pp = plus.data_ptr<double>();
      const double* pm = minus.data_ptr<double>();
      for (int64_t k = 0; k < m; ++k) numeric[j * m + k] = (pp[k] - pm[k]) / (2 * opts.eps);
    }
    for (int64_t k = 0; k < m; ++k) {
      for (const Tensor& in : inputs)
        if (in.defined() && in.requires_grad()) const_cast<Tensor&>(in).mutable_grad().reset();
      Tensor out = fn(inputs);
      if (!out.requires_grad()) return {false, "gradcheck: output does not require grad"};
      Tensor seed = zeros(out.sizes(), out.dtype());
      static_cast<double*>(seed.data_ptr())[k] = 1;
      out.backward(seed);
      Tensor g = x.grad();
      for (int64_t j = 0; j < n; ++j) {
        double v = 0;
        if (g.defined()) {
          Tensor gc = g.contiguous();
          v = gc.data_ptr<double>()[j];
        }
        analytic[j * m + k] = v;
      }
    }
    for (int64_t j = 0; j < n; ++j)
      for (int64_t k = 0; k < m; ++k) {
        double a = analytic[j * m + k], b = numeric[j * m + k];
        if (!(std::fabs(a - b) <= opts.atol + opts.rtol * std::fabs(b))) {
          std::ostringstream os;
          os << "gradcheck: Jacobian mismatch for input " << i << " (shape " << to_string(x.sizes()) << "), element "
             << j << ", output " << k << ": analytic " << a << " vs numeric " << b;
          return {false, os.str()};
        }
      }
  }
  for (const Tensor& in : inputs)
    if (in.defined() && in.requires_grad()) const_cast<Tensor&>(in).mutable_grad().reset();
  return {true, ""};
}

}  // namespace ag
