// Internal helpers to allocate tensors and views without autograd state.
#pragma once
#include <memory>

#include "ag/tensor.h"

namespace ag::detail {

/// A new contiguous tensor with fresh storage.
inline Tensor make_empty(const Dims& sizes, ScalarType dtype) {
  int64_t n = numel_of(sizes);
  if (n < 0) throw std::invalid_argument("negative size in shape " + to_string(sizes));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(static_cast<size_t>(n) * element_size(dtype));
  impl->sizes = sizes;
  impl->strides = contiguous_strides(sizes);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

/// A view of `base`'s storage with new geometry; no autograd history.
inline Tensor make_view(const Tensor& base, const Dims& sizes, const Dims& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.unsafe_impl()->storage;
  impl->sizes = sizes;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

/// Same storage and geometry, no autograd state (what detach() returns).
inline Tensor alias(const Tensor& t) {
  return make_view(t, t.sizes(), t.strides(), t.storage_offset());
}

}  // namespace ag::detail
