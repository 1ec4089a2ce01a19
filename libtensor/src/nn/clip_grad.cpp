// Gradient clipping. Each gradient's norm is taken in its own dtype (as PyTorch's
// per-tensor vector_norm), the norms are combined in double.
#include "ag/nn/clip_grad.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "ag/grad_mode.h"

namespace ag::nn::utils {

double clip_grad_norm_(const TensorList& parameters, double max_norm, double norm_type, bool error_if_nonfinite) {
  if (!(norm_type > 0))
    throw std::invalid_argument("clip_grad_norm_: norm_type must be positive or inf, got " + std::to_string(norm_type));
  NoGradGuard no_grad;
  TensorList grads;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;
  const bool inf_norm = std::isinf(norm_type);
  double total = 0;
  for (const Tensor& g : grads) {
    if (g.numel() == 0) continue;
    if (inf_norm) {
      total = std::max(total, g.abs().max().item());
    } else {
      const double n = g.norm(norm_type).item();
      total += std::pow(n, norm_type);
    }
  }
  if (!inf_norm) total = std::pow(total, 1 / norm_type);
  if (error_if_nonfinite && !std::isfinite(total))
    throw std::runtime_error("clip_grad_norm_: the total norm of order " + std::to_string(norm_type) +
                             " of the gradients is non-finite, so it cannot be clipped; pass "
                             "error_if_nonfinite=false to scale the gradients by it anyway");
  // As PyTorch: always multiplied, by a coefficient clamped to 1 (NaN when the norm is NaN:
  // std::min keeps its first argument when the comparison is false).
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  for (const Tensor& g : grads) g.mul_(coef);
  return total;
}

double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(TensorList{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const TensorList& parameters, double clip_value) {
  NoGradGuard no_grad;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) p.grad().copy_(p.grad().clamp(-clip_value, clip_value));
}

void clip_grad_value_(const Tensor& parameter, double clip_value) { clip_grad_value_(TensorList{parameter}, clip_value); }

}  // namespace ag::nn::utils
