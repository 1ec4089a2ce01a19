// masked_fill: a select between the tensor and a constant, so its backward is
// where's (the gradient is zero where the mask is set).
#include "ops/op_util.h"

namespace ag {

namespace {
void check_mask(const Tensor& self, const Tensor& mask, const char* op) {
  if (!mask.defined()) throw std::invalid_argument(std::string(op) + ": the mask is undefined");
  if (mask.dtype() != kBool)
    throw std::invalid_argument(std::string(op) + ": expected a bool mask, got " + dtype_name(mask.dtype()));
  if (broadcast_shapes(self.sizes(), mask.sizes(), op) != self.sizes())
    throw std::invalid_argument(std::string(op) + ": mask of shape " + to_string(mask.sizes()) +
                                " cannot be broadcast to the tensor's shape " + to_string(self.sizes()));
}
}  // namespace

Tensor Tensor::masked_fill(const Tensor& mask, double value) const {
  check_mask(*this, mask, "masked_fill");
  return where(mask, full({}, value, dtype()), *this);
}

Tensor& Tensor::masked_fill_(const Tensor& mask, double value) {
  check_mask(*this, mask, "masked_fill_");
  if (requires_grad() && GradMode::is_enabled())
    throw std::invalid_argument("masked_fill_: the tensor requires grad; use the out-of-place masked_fill, "
                                "whose gradient allgrad computes");
  Tensor filled;
  {
    NoGradGuard no_grad;
    filled = where(mask, full({}, value, dtype()), *this);
  }
  return copy_(filled);
}

}  // namespace ag
