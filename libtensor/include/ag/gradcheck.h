// Finite-difference gradient checking (float64), like torch.autograd.gradcheck.
#pragma once
#include <functional>
#include <string>

#include "ag/tensor.h"

namespace ag {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
};

struct GradcheckResult {
  bool ok = true;
  std::string message;  // the first mismatch: input, element, analytic vs numeric
  explicit operator bool() const { return ok; }
};

/// Compares the analytic Jacobian of `fn` at `inputs` (float64 tensors; those with
/// requires_grad are checked) with central differences. The output may be any shape.
GradcheckResult gradcheck(const std::function<Tensor(const TensorList&)>& fn, const TensorList& inputs,
                          GradcheckOptions opts = {});

}  // namespace ag
