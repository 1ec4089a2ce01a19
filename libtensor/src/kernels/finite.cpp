// kernels::all_finite on a tensor of any layout.
#include "kernels/finite.h"

#include "kernels/kernels.h"

namespace ag::kernels {

bool all_finite(const Tensor& t) {
  if (!t.is_floating_point()) return true;
  Tensor c = contiguous(t);
  if (c.dtype() == kFloat32) return all_finite(c.data_ptr<float>(), c.numel());
  return all_finite(c.data_ptr<double>(), c.numel());
}

}  // namespace ag::kernels
