// smooth_l1_loss as a composition of differentiable ops: its gradient is
// clamp(d/β, −1, 1) wherever the pieces meet, which the composition gives.
#include "ag/functions.h"

#include <stdexcept>
#include <string>

namespace ag {

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  if (!input.defined() || !target.defined()) throw std::invalid_argument("smooth_l1_loss: undefined input or target");
  if (input.sizes() != target.sizes())
    throw std::invalid_argument("smooth_l1_loss: target of shape " + to_string(target.sizes()) +
                                " differs from the input's shape " + to_string(input.sizes()));
  if (beta < 0) throw std::invalid_argument("smooth_l1_loss: beta must be >= 0, got " + std::to_string(beta));
  if (beta == 0) return nn::functional::l1_loss(input, target, reduction);
  const Tensor d = input - target;
  const Tensor ad = d.abs();
  const Tensor loss = where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta);
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Sum: return loss.sum();
    case Reduction::Mean: break;
  }
  return loss.mean();
}

}  // namespace ag
