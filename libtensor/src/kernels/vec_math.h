// exp, sigmoid and tanh for float32 written as straight-line arithmetic, so that
// a loop calling them vectorises (std::exp and std::tanh are one libm call per
// element, which made GELU, attention's softmax and the recurrent gates the
// slowest part of a step). PyTorch's CPU kernels do the same with vectorised
// approximations of their own. float64 keeps the libm functions: it is the
// precision of the gradient checks.
//
// Accuracy (float32, against the float64 functions over every 127th float,
// tests/kernels/vec_math_test.cpp): exp within 1 ulp, sigmoid within 2.4 ulp,
// tanh within 1.4 ulp, the last two within 1e-7 absolute; NaN stays NaN,
// exp(-inf) = 0, exp(inf) = inf.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace ag::kernels::vec {

// Always inlined: a call per element is what keeps a loop from vectorising.

[[gnu::always_inline]] inline float exp(float x) {
  // Beyond these the result rounds to 0 (below half the smallest subnormal) or inf.
  constexpr float kLow = -103.972084f, kHigh = 88.7228394f;
  constexpr float kLog2e = 1.44269504088896341f;
  // ln 2 in two parts: n·kLn2Hi is exact for |n| < 2^9, so r = x − n·ln 2 keeps its bits.
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  const float xc = x < kLow ? kLow : (x > kHigh ? kHigh : x);
  // Round to nearest by adding and subtracting 1.5·2^23 (no libm call, no fast-math needed).
  constexpr float kRound = 12582912.0f;
  const float n = (xc * kLog2e + kRound) - kRound;
  const float r = (xc - n * kLn2Hi) - n * kLn2Lo;
  // exp(r) on |r| ≤ ln2/2: 1 + r + r²·p(r), p the minimax fit of (exp(r) − 1 − r)/r².
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * (r * r) + r + 1.0f;
  // 2^n as two normal powers of two, n in [-150, 128]: 2^n alone would not be a normal
  // float at either end, and the second product rounds into the subnormals correctly.
  const int32_t ni = static_cast<int32_t>(n), half = ni / 2;
  const float s1 = std::bit_cast<float>((half + 127) << 23), s2 = std::bit_cast<float>((ni - half + 127) << 23);
  float y = (er * s1) * s2;
  y = x < kLow ? 0.0f : y;
  y = x > kHigh ? std::numeric_limits<float>::infinity() : y;
  return x != x ? x : y;
}

/// 1 / (1 + exp(−x)): exp(−x) overflowing to inf gives 0, as it should.
[[gnu::always_inline]] inline float sigmoid(float x) { return 1.0f / (1.0f + vec::exp(-x)); }

[[gnu::always_inline]] inline float tanh(float x) {
  // Near 0, 1 − 2/(exp(2x) + 1) would lose the leading bits to cancellation; there
  // an odd polynomial (minimax on |x| < 0.625) is used instead.
  const float ax = x < 0 ? -x : x;
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float large_abs = 1.0f - 2.0f / (vec::exp(2.0f * ax) + 1.0f);
  const float large = x < 0 ? -large_abs : large_abs;
  return ax < 0.625f ? small : large;
}

// Every other type (float64, and the integer types a dispatch instantiates) keeps libm.
template <typename T>
inline T exp(T x) { return static_cast<T>(std::exp(x)); }
template <typename T>
inline T sigmoid(T x) { return static_cast<T>(T(1) / (T(1) + std::exp(-x))); }
template <typename T>
inline T tanh(T x) { return static_cast<T>(std::tanh(x)); }

}  // namespace ag::kernels::vec
