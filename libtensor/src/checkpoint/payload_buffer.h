// Memory that receives a checkpoint payload and then backs the loaded tensors.
#pragma once
#include <cstddef>
#include <memory>

namespace ag::checkpoint {

/// `n` bytes, 64-byte aligned. From kHugePageThreshold up, the memory is
/// 2 MiB aligned and transparent huge pages are requested for it: the first
/// touch of fresh 4 KiB pages costs more than the copy into them (measured on
/// the project machine: 1.0 GB/s with 4 KiB pages, 4.6 GB/s with huge pages).
/// The pointer is the start of the memory; releasing the last copy frees it.
std::shared_ptr<void> allocate_payload_buffer(size_t n);

inline constexpr size_t kHugePageThreshold = size_t{4} << 20;

}  // namespace ag::checkpoint
