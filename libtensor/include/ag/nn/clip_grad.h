// torch.nn.utils.clip_grad_norm_ and clip_grad_value_: rescale or clamp the
// gradients of a set of parameters in place before an optimizer step.
#pragma once
#include <limits>

#include "ag/tensor.h"

namespace ag::nn::utils {

/// Scales every defined .grad of `parameters` by min(1, max_norm / (total + 1e-6)), where total
/// is the norm_type-norm of all the gradients seen as one vector (norm_type may be
/// std::numeric_limits<double>::infinity() for the largest |g|); returns total, as libtorch
/// does. Parameters without a gradient are skipped; none at all returns 0. A non-finite total
/// throws std::runtime_error when error_if_nonfinite, and otherwise scales by it as PyTorch
/// does (the gradients become NaN). Departure from PyTorch: norm_type must be positive (its
/// 0 and −inf "norms" are not offered).
double clip_grad_norm_(const TensorList& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

/// Clamps every defined .grad of `parameters` to [−clip_value, clip_value] in place.
void clip_grad_value_(const TensorList& parameters, double clip_value);
void clip_grad_value_(const Tensor& parameter, double clip_value);

}  // namespace ag::nn::utils
