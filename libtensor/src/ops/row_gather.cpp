// gather_rows: one memcpy per row forward, one add per row backward.
#include "ops/row_gather.h"

#include <cstring>

#include "ops/op_util.h"

namespace ag::ops {

Tensor gather_rows(const Tensor& src, const std::vector<int64_t>& rows, double fill) {
  check_defined(src, "gather_rows");
  if (src.dim() == 0) throw std::invalid_argument("gather_rows: needs a tensor of at least 1 dimension, got a 0-d tensor");
  const int64_t R = src.size(0), K = static_cast<int64_t>(rows.size());
  for (int64_t r : rows)
    if (r < -1 || r >= R)
      throw std::out_of_range("gather_rows: row " + std::to_string(r) + " is out of range for " + std::to_string(R) + " rows");
  Tensor s = kernels::contiguous(src.detach());
  Dims shape = src.sizes();
  shape[0] = K;
  const int64_t F = R ? s.numel() / R : numel_of(Dims(shape.begin() + 1, shape.end()));
  Tensor out = detail::make_empty(shape, src.dtype());
  const size_t row_bytes = static_cast<size_t>(F) * s.element_size();
  const char* ps = static_cast<const char*>(s.data_ptr());
  char* po = static_cast<char*>(out.data_ptr());
  bool any_fill = false;
  for (int64_t k = 0; k < K; ++k) {
    if (rows[k] >= 0) std::memcpy(po + k * row_bytes, ps + rows[k] * row_bytes, row_bytes);
    else any_fill = true;
  }
  if (any_fill) {
    Tensor row = full({F}, fill, src.dtype());
    for (int64_t k = 0; k < K; ++k)
      if (rows[k] < 0) std::memcpy(po + k * row_bytes, row.data_ptr(), row_bytes);
  }
  if (autograd::any_requires_grad({&src}) && src.is_floating_point()) {
    record("GatherRowsBackward", out, {&src}, [rows, in_shape = src.sizes(), F](const Tensor& g, NeedsGrad) -> TensorList {
      Tensor gc = kernels::contiguous(g);
      Tensor gs = zeros(in_shape, g.dtype());
      AG_DISPATCH_FLOATING(g.dtype(), "gather_rows_backward", [&] {
        const scalar_t* pg = gc.data_ptr<scalar_t>();
        scalar_t* pd = gs.data_ptr<scalar_t>();
        for (size_t k = 0; k < rows.size(); ++k) {
          if (rows[k] < 0) continue;
          scalar_t* d = pd + rows[k] * F;
          const scalar_t* s = pg + static_cast<int64_t>(k) * F;
          for (int64_t j = 0; j < F; ++j) d[j] += s[j];
        }
      });
      return {gs};
    });
  }
  return out;
}

}  // namespace ag::ops
