// CRC-32C: table fallback (slicing-by-8), SSE4.2 path (three interleaved
// streams joined with a precomputed shift operator), and folding with
// AVX-512 carry-less multiplication for large buffers (Note [CRC-32C by folding]).
#include "checkpoint/crc32c.h"

#include <array>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
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

// Note [CRC-32C by folding]
// With carry-less multiplication the buffer is folded instead of fed through
// crc32 eight bytes a cycle: a 128-bit block B at some position is congruent,
// modulo the CRC polynomial P, to B * x^D moved D bits further on, and that
// product is at most 96 bits long, so it can be XORed into the block there.
// Four 512-bit registers (sixteen blocks) fold over 256 bytes per step; at the
// end they fold into one block R, congruent to everything read, and the crc32
// instruction over R's 16 bytes (then the tail) gives the CRC, since the CRC
// of a message depends on it only modulo P. The initial state is XORed into
// the first four bytes, which is what a state means for a raw CRC.
// Reflected bit order: a block's bit k is the coefficient of x^(127-k), and
// the product of two reflected 64-bit lanes comes out as the product times x,
// so the constants are x^(D+63) and x^(D-1) (mod P) for the high and low lanes.

// x^n mod P, bit i the coefficient of x^i (P in normal order: 0x1EDC6F41).
uint32_t xpow_mod(unsigned n) {
  uint32_t r = 1;
  for (unsigned i = 0; i < n; ++i) r = (r << 1) ^ ((r & 0x80000000u) ? 0x1EDC6F41u : 0u);
  return r;
}

// A polynomial of degree < 32 as a reflected 64-bit lane (bit j = coefficient of x^(63-j)).
uint64_t reflected_lane(uint32_t poly) {
  uint64_t lane = 0;
  for (int i = 0; i < 32; ++i)
    if (poly & (1u << i)) lane |= uint64_t{1} << (63 - i);
  return lane;
}

// The two constants that fold a block D bits forward: {low lane, high lane}.
struct FoldConstant {
  uint64_t lo, hi;
  explicit FoldConstant(unsigned bits) : lo(reflected_lane(xpow_mod(bits + 63))), hi(reflected_lane(xpow_mod(bits - 1))) {}
};

__attribute__((target("avx512f,vpclmulqdq"))) inline __m512i fold_zmm(__m512i x, __m512i k, __m512i next) {
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11), next, 0x96);
}

__attribute__((target("pclmul,sse4.2"))) inline __m128i fold_xmm(__m128i x, __m128i k, __m128i next) {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next);
}

__attribute__((target("sse2"))) inline __m128i xmm(const FoldConstant& c) {
  return _mm_set_epi64x(static_cast<long long>(c.hi), static_cast<long long>(c.lo));
}

__attribute__((target("avx512f"))) inline __m512i broadcast(const FoldConstant& c) {
  const auto lo = static_cast<long long>(c.lo), hi = static_cast<long long>(c.hi);
  return _mm512_set_epi64(hi, lo, hi, lo, hi, lo, hi, lo);
}

// Below this many bytes the crc32 loop is as fast and the setup is not worth it.
constexpr size_t kFoldMin = 1024;

__attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.2"))) uint32_t raw_fold(uint32_t state, const unsigned char* p,
                                                                                 size_t n) {
  static const FoldConstant k2048(2048), k1536(1536), k1024(1024), k512(512), k384(384), k256(256), k128(128);
  const __m512i by2048 = broadcast(k2048), by512 = broadcast(k512);

  __m512i x0 = _mm512_loadu_si512(p), x1 = _mm512_loadu_si512(p + 64), x2 = _mm512_loadu_si512(p + 128),
          x3 = _mm512_loadu_si512(p + 192);
  x0 = _mm512_xor_si512(x0, _mm512_maskz_mov_epi32(1, _mm512_set1_epi32(static_cast<int>(state))));
  p += 256, n -= 256;
  for (; n >= 256; p += 256, n -= 256) {
    x0 = fold_zmm(x0, by2048, _mm512_loadu_si512(p));
    x1 = fold_zmm(x1, by2048, _mm512_loadu_si512(p + 64));
    x2 = fold_zmm(x2, by2048, _mm512_loadu_si512(p + 128));
    x3 = fold_zmm(x3, by2048, _mm512_loadu_si512(p + 192));
  }
  // x0 lies 1536 bits before x3, x1 1024, x2 512.
  __m512i x = fold_zmm(x0, broadcast(k1536), fold_zmm(x1, broadcast(k1024), fold_zmm(x2, by512, x3)));
  for (; n >= 64; p += 64, n -= 64) x = fold_zmm(x, by512, _mm512_loadu_si512(p));
  // The four 128-bit lanes of x, earliest first, into one.
  __m128i r = fold_xmm(_mm512_maskz_extracti32x4_epi32(0xF, x, 0), xmm(k384),
                       fold_xmm(_mm512_maskz_extracti32x4_epi32(0xF, x, 1), xmm(k256),
                                fold_xmm(_mm512_maskz_extracti32x4_epi32(0xF, x, 2), xmm(k128), _mm512_maskz_extracti32x4_epi32(0xF, x, 3))));
  for (; n >= 16; p += 16, n -= 16) r = fold_xmm(r, xmm(k128), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  alignas(16) unsigned char block[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(block), r);
  return static_cast<uint32_t>(raw_hw_serial(raw_hw_serial(0, block, 16), p, n));
}

bool detect_folding() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("pclmul") &&
         __builtin_cpu_supports("sse4.2");
}

#else

uint32_t raw_hw(uint32_t c, const unsigned char* p, size_t n) { return raw_portable(c, p, n); }
uint32_t raw_fold(uint32_t c, const unsigned char* p, size_t n) { return raw_portable(c, p, n); }
bool detect_hardware() { return false; }
bool detect_folding() { return false; }
constexpr size_t kFoldMin = 0;

#endif

const bool kHardware = detect_hardware();
const bool kFolding = detect_folding() && std::getenv("AG_CRC32C_NO_FOLDING") == nullptr;

}  // namespace

uint32_t crc32c_sse42(const void* data, size_t n, uint32_t crc) {
  const auto* p = static_cast<const unsigned char*>(data);
  return ~(kHardware ? raw_hw(~crc, p, n) : raw_portable(~crc, p, n));
}

uint32_t crc32c(const void* data, size_t n, uint32_t crc) {
  if (kFolding && n >= kFoldMin) return ~raw_fold(~crc, static_cast<const unsigned char*>(data), n);
  return crc32c_sse42(data, n, crc);
}

const char* crc32c_path() { return kFolding ? "avx512-vpclmulqdq" : kHardware ? "sse4.2" : "table"; }

uint32_t crc32c_portable(const void* data, size_t n, uint32_t crc) {
  return ~raw_portable(~crc, static_cast<const unsigned char*>(data), n);
}

bool crc32c_uses_hardware() { return kHardware; }

}  // namespace ag::checkpoint
