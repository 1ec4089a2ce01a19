// Shared pieces of the fused optimizer updates: the rounding rules, the
// parallel element loop, and runtime flags turned into template parameters.
//
// Note [Optimizer rounding]
// The updates reproduce PyTorch's single-tensor CPU path (the default on CPU),
// where each line of torch/optim/*.py is one ATen op that rounds its result to
// the parameter's dtype T. One fused pass keeps every one of those roundings:
//  * Python-side scalars (bias corrections, step_size, 1 - lr*wd, ...) are
//    computed in double exactly as Python does: `x ** y` is pow(x, y), and
//    `bias_correction2 ** 0.5` is pow(bc2, 0.5), not sqrt. Each is converted to
//    T once where ATen converts a Scalar argument (Scalar::to<T>, a plain cast);
//    dividing a float tensor by a Python float divides by float(value).
//  * Each tensor op rounds to T, evaluated in ATen's order: mul_(b) is x*T(b);
//    addcmul_(a, b, value=c) is x + (T(c)*a)*b; addcdiv_(a, b, value=c) is
//    x + (T(c)*a)/b; sqrt, division by a scalar and add_(eps) each round.
//  * Where ATen's vectorised CPU kernels use an explicit fused multiply-add,
//    so do we: add(x, alpha=a) is fma(x, T(a), self) (ufunc/add.h), and
//    lerp(self, end, w) is fma(w, end-self, self) for |w| < 0.5, else
//    fma(w-1, end-self, end) (LerpKernel.cpp). PyTorch computes this for every
//    element that falls in a full SIMD vector; for the last few elements of a
//    tensor it runs the scalar form `self + w*(end-self)`, whose rounding then
//    depends on whether PyTorch's compiler contracted it. We chose the vector
//    kernel's rounding for every element, so a tensor's elements never round
//    differently by position.
//  Everything else stays unfused: src/optim is compiled with -ffp-contract=off
//  (libtensor/CMakeLists.txt), so the compiler cannot fuse a*b+c on its own.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernels/parallel.h"

namespace ag::optim::detail {

/// torch.lerp on CPU, as its vectorised kernel rounds (see Note [Optimizer rounding]).
template <typename T>
inline T lerp(T self, T end, T weight) {
  return std::abs(weight) < T(0.5) ? std::fma(weight, end - self, self) : std::fma(weight - T(1), end - self, end);
}

/// torch.maximum: NaN in either input gives NaN.
template <typename T>
inline T maximum(T a, T b) {
  return (a != a || a > b) ? a : b;
}

/// Runs body(begin, end) over [0, n), split across allgrad's threads when n is large.
/// Chunks are disjoint ranges of elements, so results do not depend on the thread count.
template <typename F>
inline void parallel_over(int64_t n, F&& body) {
  kernels::parallel_for(n, kernels::kParallelGrain, std::forward<F>(body));
}

/// Calls f(std::bool_constant<b0>{}, std::bool_constant<b1>{}, ...) for the runtime
/// flags b0, b1, ..., so each combination gets its own branch-free loop.
template <typename F>
inline void with_flags(F&& f) {
  f();
}
template <typename F, typename... Rest>
inline void with_flags(F&& f, bool first, Rest... rest) {
  if (first)
    with_flags([&](auto... flags) { f(std::true_type{}, flags...); }, rest...);
  else
    with_flags([&](auto... flags) { f(std::false_type{}, flags...); }, rest...);
}

}  // namespace ag::optim::detail
