// Stride arithmetic for view/reshape: folds runs of dims that are laid out
// contiguously with respect to each other, like PyTorch's computeStride.
#include "tensor/view_geometry.h"

#include <stdexcept>
#include <string>

namespace ag::detail {

Dims infer_size(const Dims& shape, int64_t numel, const char* op) {
  Dims out = shape;
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw std::invalid_argument(std::string(op) + ": only one dimension can be inferred in " + to_string(shape));
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument(std::string(op) + ": invalid size " + std::to_string(shape[i]) + " in " + to_string(shape));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      throw std::invalid_argument(std::string(op) + ": shape " + to_string(shape) + " is invalid for input of size " +
                                  std::to_string(numel));
    out[infer] = numel / known;
  } else if (known != numel) {
    throw std::invalid_argument(std::string(op) + ": shape " + to_string(shape) + " is invalid for input of size " +
                                std::to_string(numel));
  }
  return out;
}

std::optional<Dims> view_strides(const Dims& sizes, const Dims& strides, const Dims& new_sizes) {
  if (sizes.empty() || numel_of(sizes) == 0) return contiguous_strides(new_sizes);
  Dims ns(new_sizes.size());
  int64_t view_d = static_cast<int64_t>(new_sizes.size()) - 1;
  int64_t chunk_base = strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= sizes[d];
    if (d == 0 || (sizes[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        ns[view_d] = view_numel * chunk_base;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return ns;
}

}  // namespace ag::detail
