// CRC-32C (Castagnoli), the checksum of the checkpoint payload: AVX-512
// carry-less folding or SSE4.2 when the CPU has them, a table otherwise.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ag::checkpoint {

/// CRC-32C of `n` bytes, continuing from `crc`, the CRC of the bytes before
/// them (0 for none), like zlib's crc32(). crc32c("123456789") == 0xE3069283.
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);
/// The same with the table (slicing-by-8) path only, for tests and old CPUs.
uint32_t crc32c_portable(const void* data, size_t n, uint32_t crc = 0);
/// True when crc32c() uses the SSE4.2 crc32 instruction on this CPU.
bool crc32c_uses_hardware();
/// The SSE4.2 (else table) path only, without folding, for tests.
uint32_t crc32c_sse42(const void* data, size_t n, uint32_t crc = 0);
/// What crc32c() runs on this CPU for large buffers: "avx512-vpclmulqdq"
/// (folding; AG_CRC32C_NO_FOLDING=1 turns it off), "sse4.2" or "table".
const char* crc32c_path();

}  // namespace ag::checkpoint
