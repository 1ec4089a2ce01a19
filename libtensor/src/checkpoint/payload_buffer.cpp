// allocate_payload_buffer: aligned heap memory, or huge-page mmap for large payloads.
#include "checkpoint/payload_buffer.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace ag::checkpoint {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}

std::shared_ptr<void> allocate_payload_buffer(size_t n) {
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

}  // namespace ag::checkpoint
