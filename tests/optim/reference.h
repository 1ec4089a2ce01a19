// Test helpers for ag::optim: straightforward double-precision versions of
// PyTorch's documented update formulas (written independently of the fused
// kernels: plain textbook arithmetic, no lerp, no fma), a small quadratic
// problem whose gradient the tests set by hand, and tensor <-> vector helpers.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "ag/optim.h"

namespace optim_test {

using Values = std::vector<double>;

/// The values of a tensor, as doubles.
inline Values values(const ag::Tensor& t) {
  ag::Tensor d = t.detach().to(ag::kFloat64).contiguous();
  const double* p = d.data_ptr<double>();
  return Values(p, p + d.numel());
}

/// A leaf parameter (requires grad) holding `v`.
inline ag::Tensor param(const Values& v, ag::ScalarType dtype = ag::kFloat64) {
  ag::Tensor t = ag::from_vector(v, {static_cast<int64_t>(v.size())}).to(dtype);
  t.requires_grad_(true);
  return t;
}

/// Loss sum_i 0.5 * a_i * (p_i - c_i)^2; its gradient is a_i * (p_i - c_i).
struct Quadratic {
  Values p0{1.0, -0.5, 2.0, 0.75};
  Values a{1.0, 3.0, 0.5, 2.0};
  Values c{0.0, 0.25, -1.0, 0.5};

  Values grad(const Values& p) const {
    Values g(p.size());
    for (size_t i = 0; i < p.size(); ++i) g[i] = a[i] * (p[i] - c[i]);
    return g;
  }
  /// Sets p.grad to the gradient at p's current values.
  void set_grad(ag::Tensor& p) const {
    p.mutable_grad() = ag::from_vector(grad(values(p)), p.sizes()).to(p.dtype());
  }
};

struct SgdRef {
  double lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, maximize = false;
  Values buf;

  void step(Values& p, const Values& grad) {
    const bool first = buf.empty();
    buf.resize(p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      double g = maximize ? -grad[i] : grad[i];
      g += weight_decay * p[i];
      if (momentum != 0) {
        buf[i] = first ? g : momentum * buf[i] + (1 - dampening) * g;
        g = nesterov ? g + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * g;
    }
  }
};

struct AdamRef {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool amsgrad = false, maximize = false, decoupled = false;  // decoupled: AdamW
  Values m, v, vmax;
  int t = 0;

  void step(Values& p, const Values& grad) {
    m.resize(p.size());
    v.resize(p.size());
    vmax.resize(p.size());
    ++t;
    for (size_t i = 0; i < p.size(); ++i) {
      double g = maximize ? -grad[i] : grad[i];
      if (decoupled) p[i] *= 1 - lr * weight_decay;
      else g += weight_decay * p[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      vmax[i] = std::max(vmax[i], v[i]);
      const double m_hat = m[i] / (1 - std::pow(beta1, t));
      const double v_hat = (amsgrad ? vmax[i] : v[i]) / (1 - std::pow(beta2, t));
      // PyTorch adds eps after bias-correcting sqrt(v): sqrt(v)/sqrt(bc2) + eps.
      p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
};

struct RmspropRef {
  double lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0;
  bool centered = false, maximize = false;
  Values sq, ga, buf;

  void step(Values& p, const Values& grad) {
    sq.resize(p.size());
    ga.resize(p.size());
    buf.resize(p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      double g = maximize ? -grad[i] : grad[i];
      g += weight_decay * p[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * g * g;
      double avg;
      if (centered) {
        ga[i] = alpha * ga[i] + (1 - alpha) * g;
        avg = std::sqrt(sq[i] - ga[i] * ga[i]) + eps;
      } else {
        avg = std::sqrt(sq[i]) + eps;
      }
      if (momentum > 0) {
        buf[i] = momentum * buf[i] + g / avg;
        p[i] -= lr * buf[i];
      } else {
        p[i] -= lr * g / avg;
      }
    }
  }
};

/// Runs `steps` steps of `opt` on parameter `p` (registered with it) and of `ref` on a
/// double copy, with the quadratic's gradient, and checks the values after every step
/// to `tol` (relative once values exceed 1 in magnitude, as with maximize).
template <typename Ref>
void expect_trajectory(ag::optim::Optimizer& opt, ag::Tensor& p, Ref ref, int steps, double tol,
                       const Quadratic& q = Quadratic()) {
  Values rp = values(p);
  for (int s = 1; s <= steps; ++s) {
    q.set_grad(p);
    opt.step();
    ref.step(rp, q.grad(rp));
    const Values got = values(p);
    for (size_t i = 0; i < rp.size(); ++i)
      ASSERT_NEAR(got[i], rp[i], tol * std::max(1.0, std::abs(rp[i]))) << "step " << s << ", element " << i;
  }
}

/// Tolerances: float32 trajectories against the double formula, and float64 ones.
inline constexpr double kTol32 = 1e-6;
inline constexpr double kTol64 = 1e-12;

}  // namespace optim_test
