// allocate_long_lived: aligned heap memory, or a huge-page mapping for large buffers.
#include "tensor/long_lived_buffer.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace ag::detail {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}

std::shared_ptr<void> allocate_long_lived(size_t n) {
  if (n < kHugePageThreshold) {
    void* p = std::aligned_alloc(64, (n + 63) / 64 * 64 + 64);
    if (!p) throw std::bad_alloc();
    return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  }
  // Over-allocate by one huge page, then trim so the start is 2 MiB aligned.
  size_t len = (n + 4095) / 4096 * 4096;
  size_t span = len + kHugePage;
  void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  uintptr_t aligned = (start + kHugePage - 1) & ~(uintptr_t{kHugePage} - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  size_t tail = (start + span) - (aligned + len);
  if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + len), tail);
  void* p = reinterpret_cast<void*>(aligned);
  ::madvise(p, len, MADV_HUGEPAGE);  // a hint: without THP the memory still works
  return std::shared_ptr<void>(p, [len](void* q) { ::munmap(q, len); });
}

Tensor zeros_long_lived(const Dims& shape, ScalarType dtype) {
  size_t n = static_cast<size_t>(numel_of(shape)) * element_size(dtype);
  std::shared_ptr<void> memory = allocate_long_lived(n);
  if (n < kHugePageThreshold) std::memset(memory.get(), 0, n);  // a fresh mapping reads as zeros already
  void* p = memory.get();
  return from_blob(p, shape, dtype, std::move(memory));
}

}  // namespace ag::detail
