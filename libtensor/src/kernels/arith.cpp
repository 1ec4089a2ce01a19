// The few arithmetic kernels autograd itself needs (gradient accumulation),
// shared with the ops layer.
#include "kernels/arith.h"

#include "kernels/loop.h"
#include "tensor/make.h"

namespace ag::kernels {

void add_into(const Tensor& dst, const Tensor& src, double alpha) {
  Tensor s = convert(src, dst.dtype());
  AG_DISPATCH_NUMERIC(dst.dtype(), "add_", [&] {
    const scalar_t* pd = dst.data_ptr<scalar_t>();
    const scalar_t* ps = s.data_ptr<scalar_t>();
    if (alpha == 1) {
      elementwise<scalar_t>(dst, std::tuple<const scalar_t*, const scalar_t*>(pd, ps),
                            {dst.unsafe_impl(), s.unsafe_impl()}, [](scalar_t a, scalar_t b) { return a + b; });
    } else {
      scalar_t al = static_cast<scalar_t>(alpha);
      elementwise<scalar_t>(dst, std::tuple<const scalar_t*, const scalar_t*>(pd, ps),
                            {dst.unsafe_impl(), s.unsafe_impl()}, [al](scalar_t a, scalar_t b) { return a + al * b; });
    }
  });
}

Tensor add(const Tensor& a, const Tensor& b) {
  ScalarType t = promote_types(a.dtype(), b.dtype());
  Tensor out = detail::make_empty(broadcast_shapes(a.sizes(), b.sizes(), "add"), t);
  copy_into(out, a);
  add_into(out, b, 1);
  return out;
}

}  // namespace ag::kernels
