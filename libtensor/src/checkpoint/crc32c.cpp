// CRC-32C: table fallback (slicing-by-8) and SSE4.2 path (three interleaved
// streams joined with a precomputed shift operator).
#include "checkpoint/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define AG_CRC32C_X86 1
#endif

namespace ag::checkpoint {

namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // Castagnoli, bit-reflected

using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables make_tables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (kPoly & (0u - (c & 1u)));
    t[0][b] = c;
  }
  for (int s = 1; s < 8; ++s)
    for (uint32_t b = 0; b < 256; ++b) t[s][b] = (t[s - 1][b] >> 8) ^ t[0][t[s - 1][b] & 0xFF];
  return t;
}
constexpr Tables kTables = make_tables();

// The raw register update (no pre/post inversion): linear in (state, data).
uint32_t raw_portable(uint32_t c, const unsigned char* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;
    c = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^ kTables[4][lo >> 24] ^
        kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^ kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
  }
  for (; n > 0; ++p, --n) c = (c >> 8) ^ kTables[0][(c ^ *p) & 0xFF];
  return c;
}

#ifdef AG_CRC32C_X86

// Bytes per stream in the three-way loop. The crc32 instruction has a latency
// of three cycles and a throughput of one, so three independent streams keep
// it busy; joining them costs two table shifts per 3 * kStride bytes.
constexpr size_t kStride = 8192;

__attribute__((target("sse4.2"))) uint64_t raw_hw_serial(uint64_t c, const unsigned char* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
  }
  for (; n > 0; ++p, --n) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p);
  return c;
}

// shift(s) = raw update of state s by kStride zero bytes, as four byte tables.
struct ShiftTables {
  std::array<std::array<uint32_t, 256>, 4> t{};
  ShiftTables() {
    static const unsigned char zeros[kStride] = {};
    uint32_t basis[32];
    for (int j = 0; j < 32; ++j) basis[j] = static_cast<uint32_t>(raw_hw_serial(1u << j, zeros, kStride));
    for (int i = 0; i < 4; ++i)
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t v = 0;
        for (int j = 0; j < 8; ++j)
          if (b & (1u << j)) v ^= basis[8 * i + j];
        t[i][b] = v;
      }
  }
  uint32_t operator()(uint32_t s) const {
    return t[0][s & 0xFF] ^ t[1][(s >> 8) & 0xFF] ^ t[2][(s >> 16) & 0xFF] ^ t[3][s >> 24];
  }
};

__attribute__((target("sse4.2"))) uint32_t raw_hw(uint32_t state, const unsigned char* p, size_t n) {
  static const ShiftTables shift;
  uint64_t c = state;
  // raw(s, A|B|C) = shift(shift(raw(s, A)) ^ raw(0, B)) ^ raw(0, C) for |B| = |C| = kStride.
  for (; n >= 3 * kStride; p += 3 * kStride, n -= 3 * kStride) {
    uint64_t a = c, b = 0, d = 0;
    for (size_t i = 0; i < kStride; i += 8) {
      uint64_t va, vb, vd;
      std::memcpy(&va, p + i, 8);
      std::memcpy(&vb, p + kStride + i, 8);
      std::memcpy(&vd, p + 2 * kStride + i, 8);
      a = _mm_crc32_u64(a, va);
      b = _mm_crc32_u64(b, vb);
      d = _mm_crc32_u64(d, vd);
    }
    c = shift(shift(static_cast<uint32_t>(a)) ^ static_cast<uint32_t>(b)) ^ static_cast<uint32_t>(d);
  }
  return static_cast<uint32_t>(raw_hw_serial(c, p, n));
}

bool detect_hardware() { return __builtin_cpu_supports("sse4.2"); }

#else

uint32_t raw_hw(uint32_t c, const unsigned char* p, size_t n) { return raw_portable(c, p, n); }
bool detect_hardware() { return false; }

#endif

const bool kHardware = detect_hardware();

}  // namespace

uint32_t crc32c(const void* data, size_t n, uint32_t crc) {
  const auto* p = static_cast<const unsigned char*>(data);
  return ~(kHardware ? raw_hw(~crc, p, n) : raw_portable(~crc, p, n));
}

uint32_t crc32c_portable(const void* data, size_t n, uint32_t crc) {
  return ~raw_portable(~crc, static_cast<const unsigned char*>(data), n);
}

bool crc32c_uses_hardware() { return kHardware; }

}  // namespace ag::checkpoint
