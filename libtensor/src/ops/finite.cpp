// isfinite and all_finite: the public face of the finiteness kernel. Neither
// is differentiable (the results are bools), so neither records a node.
#include <cmath>

#include "kernels/finite.h"
#include "ops/op_util.h"

namespace ag {

Tensor isfinite(const Tensor& a) {
  ops::check_defined(a, "isfinite");
  Tensor out = detail::make_empty(a.sizes(), kBool);
  if (!a.is_floating_point()) {
    kernels::fill(out, 1);
    return out;
  }
  AG_DISPATCH_FLOATING(a.dtype(), "isfinite", [&] {
    kernels::elementwise<bool>(out, std::tuple<const scalar_t*>(a.data_ptr<scalar_t>()), {a.unsafe_impl()},
                               [](scalar_t v) { return v * scalar_t(0) == scalar_t(0); });
  });
  return out;
}

bool all_finite(const Tensor& a) { return kernels::all_finite(ops::check_defined(a, "all_finite")); }

}  // namespace ag
