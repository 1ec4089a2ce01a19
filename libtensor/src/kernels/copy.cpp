// Copying between tensors of any layout and dtype.
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/loop.h"
#include "tensor/make.h"

namespace ag::kernels {

namespace {
template <typename D, typename S>
D cast(S v) {
  if constexpr (std::is_same_v<D, bool>) return v != S(0);
  else return static_cast<D>(v);
}
}  // namespace

void copy_into(const Tensor& dst, const Tensor& src) {
  if (dst.dtype() == src.dtype() && dst.sizes() == src.sizes() && dst.is_contiguous() && src.is_contiguous()) {
    if (dst.data_ptr() != src.data_ptr()) std::memmove(dst.data_ptr(), src.data_ptr(), dst.nbytes());
    return;
  }
  AG_DISPATCH_ALL(dst.dtype(), "copy", [&] {
    using D = scalar_t;
    AG_DISPATCH_ALL(src.dtype(), "copy", [&] {
      using S = scalar_t;
      elementwise<D>(dst, std::tuple<const S*>(src.data_ptr<S>()), {src.unsafe_impl()},
                     [](S v) { return cast<D>(v); });
    });
  });
}

Tensor contiguous(const Tensor& t, bool force) {
  if (!force && t.is_contiguous()) return t;
  Tensor out = detail::make_empty(t.sizes(), t.dtype());
  copy_into(out, t);
  return out;
}

Tensor convert(const Tensor& t, ScalarType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = detail::make_empty(t.sizes(), dtype);
  copy_into(out, t);
  return out;
}

void fill(const Tensor& t, double v) {
  AG_DISPATCH_ALL(t.dtype(), "fill_", [&] {
    scalar_t x = cast<scalar_t>(v);
    elementwise<scalar_t>(t, std::tuple<>(), {}, [x]() { return x; });
  });
}

}  // namespace ag::kernels
