// Memory for big buffers that live long: optimizer state, and tensors loaded
// from a checkpoint (whose moments an optimizer may take over).
#pragma once
#include <cstddef>
#include <memory>

#include "ag/tensor.h"

namespace ag::detail {

inline constexpr size_t kHugePageThreshold = size_t{4} << 20;

/// `n` bytes, 64-byte aligned. From kHugePageThreshold up, the memory is its own
/// mapping, 2 MiB aligned, with transparent huge pages requested: the first touch
/// of fresh 4 KiB pages costs more than a copy into them (measured on the project
/// machine: 1.0 GB/s with 4 KiB pages, 4.6 GB/s with huge pages). Only for memory
/// that lives long: a short-lived tensor is better served by malloc, which hands
/// the same, already touched, memory back on the next step. Releasing the last
/// copy of the pointer frees it.
std::shared_ptr<void> allocate_long_lived(size_t n);

/// A contiguous tensor on allocate_long_lived memory, filled with zeros.
Tensor zeros_long_lived(const Dims& shape, ScalarType dtype);

}  // namespace ag::detail
