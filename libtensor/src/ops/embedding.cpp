// embedding: row lookup by int64 indices; the backward adds each incoming row
// into the weight gradient row it was read from (none into padding_idx).
// max_norm, scale_grad_by_freq and sparse gradients are not offered.
#include <cstring>

#include "ag/nn/functional_conv.h"
#include "kernels/grain.h"
#include "ops/op_util.h"

namespace ag::nn::functional {

using namespace ops;

namespace {

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument("embedding: " + msg); }

}  // namespace

Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<int64_t> padding_idx) {
  check_defined(indices, "embedding");
  check_defined(weight, "embedding");
  if (weight.dim() != 2)
    fail("expected a 2-D weight [num_embeddings, embedding_dim], got weight of shape " + to_string(weight.sizes()));
  if (indices.dtype() != kInt64)
    fail(std::string("expected int64 indices, got ") + dtype_name(indices.dtype()) + " indices of shape " +
         to_string(indices.sizes()));
  const int64_t num = weight.size(0), dim = weight.size(1);
  int64_t pad = -1;  // no row is padding
  if (padding_idx) {
    pad = *padding_idx < 0 ? *padding_idx + num : *padding_idx;
    if (pad < 0 || pad >= num)
      fail("padding_idx " + std::to_string(*padding_idx) + " must be within [-" + std::to_string(num) + ", " +
           std::to_string(num) + ") for weight " + to_string(weight.sizes()));
  }
  Tensor idx = kernels::contiguous(indices), w = kernels::contiguous(weight);
  const int64_t* ip = idx.data_ptr<int64_t>();
  const int64_t count = idx.numel();
  for (int64_t i = 0; i < count; ++i)
    if (ip[i] < 0 || ip[i] >= num)
      fail("index " + std::to_string(ip[i]) + " is out of range for a table of " + std::to_string(num) +
           " rows (weight " + to_string(weight.sizes()) + ")");
  Dims out_shape = indices.sizes();
  out_shape.push_back(dim);
  Tensor out = detail::make_empty(out_shape, w.dtype());
  const size_t row_bytes = static_cast<size_t>(dim) * w.element_size();
  const char* src = static_cast<const char*>(w.data_ptr());
  char* dst = static_cast<char*>(out.data_ptr());
  kernels::parallel_for(count, kernels::grain_for(dim), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) std::memcpy(dst + i * row_bytes, src + ip[i] * row_bytes, row_bytes);
  });
  if (autograd::any_requires_grad({&weight})) {
    record("EmbeddingBackward0", out, {&weight},
           [si = SavedTensor(idx), num, dim, pad](const Tensor& grad, NeedsGrad) -> TensorList {
             Tensor g = kernels::contiguous(grad), gw = zeros({num, dim}, g.dtype());
             const Tensor& iv = si.unpack("EmbeddingBackward0");
             const int64_t* ids = iv.data_ptr<int64_t>();
             const int64_t n = iv.numel();
             AG_DISPATCH_FLOATING(g.dtype(), "embedding_backward", [&] {
               const scalar_t* gp = g.data_ptr<scalar_t>();
               scalar_t* out_p = gw.data_ptr<scalar_t>();
               // Threads own column ranges, so rows read by many indices are summed without races, in index order.
               kernels::parallel_for(dim, kernels::grain_for(n), [&](int64_t d0, int64_t d1) {
                 for (int64_t i = 0; i < n; ++i) {
                   if (ids[i] == pad) continue;
                   scalar_t* row = out_p + ids[i] * dim;
                   const scalar_t* gi = gp + i * dim;
                   for (int64_t d = d0; d < d1; ++d) row[d] += gi[d];
                 }
               });
             });
             return {gw};
           });
  }
  return out;
}

}  // namespace ag::nn::functional
