// The elementwise loop every pointwise kernel uses: operands broadcast to the
// output's shape, dimensions coalesced, and a contiguous fast path the
// compiler vectorises. One loop, a lambda per op.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <tuple>
#include <utility>

#include "ag/tensor.h"
#include "kernels/parallel.h"

namespace ag::kernels {

/// Iteration geometry for N operands (operand 0 is the output).
template <size_t N>
struct Geometry {
  int ndim = 0;
  std::array<int64_t, kMaxDims> size{};
  std::array<std::array<int64_t, kMaxDims>, N> stride{};
  int64_t rows() const {
    int64_t r = 1;
    for (int d = 0; d + 1 < ndim; ++d) r *= size[d];
    return r;
  }
  int64_t row_len() const { return ndim ? size[ndim - 1] : 1; }
};

/// Strides of `t` seen from `out_sizes` (0 where broadcast).
inline void broadcast_strides(const TensorImpl& t, const Dims& out_sizes, int64_t* st) {
  size_t n = out_sizes.size(), m = t.sizes.size();
  for (size_t i = 0; i < n; ++i) {
    if (i < n - m) { st[i] = 0; continue; }
    size_t j = i - (n - m);
    st[i] = t.sizes[j] == 1 && out_sizes[i] != 1 ? 0 : t.strides[j];
  }
}

template <size_t N>
Geometry<N> make_geometry(const Dims& out_sizes, const std::array<const TensorImpl*, N>& ops) {
  Geometry<N> g;
  std::array<std::array<int64_t, kMaxDims>, N> st{};
  for (size_t k = 0; k < N; ++k) broadcast_strides(*ops[k], out_sizes, st[k].data());
  for (size_t i = 0; i < out_sizes.size(); ++i) {
    int64_t sz = out_sizes[i];
    if (sz == 1) continue;
    if (g.ndim > 0) {
      bool merge = true;
      for (size_t k = 0; k < N; ++k)
        if (g.stride[k][g.ndim - 1] != st[k][i] * sz) { merge = false; break; }
      if (merge) {
        g.size[g.ndim - 1] *= sz;
        for (size_t k = 0; k < N; ++k) g.stride[k][g.ndim - 1] = st[k][i];
        continue;
      }
    }
    g.size[g.ndim] = sz;
    for (size_t k = 0; k < N; ++k) g.stride[k][g.ndim] = st[k][i];
    ++g.ndim;
  }
  return g;
}

/// Calls row(offsets, n) for rows [r0, r1) of the geometry; offsets are element offsets.
template <size_t N, typename Row>
void for_rows(const Geometry<N>& g, int64_t r0, int64_t r1, Row&& row) {
  int outer = g.ndim - 1;
  std::array<int64_t, kMaxDims> idx{};
  std::array<int64_t, N> off{};
  int64_t rem = r0;
  for (int d = outer - 1; d >= 0; --d) {
    idx[d] = rem % g.size[d];
    rem /= g.size[d];
    for (size_t k = 0; k < N; ++k) off[k] += idx[d] * g.stride[k][d];
  }
  int64_t n = g.row_len();
  for (int64_t r = r0; r < r1; ++r) {
    row(off, int64_t{0}, n);
    for (int d = outer - 1; d >= 0; --d) {
      for (size_t k = 0; k < N; ++k) off[k] += g.stride[k][d];
      if (++idx[d] < g.size[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= g.stride[k][d] * g.size[d];
      idx[d] = 0;
    }
  }
}

template <typename Out, typename Tup, typename F, size_t... I>
inline void run_row(std::index_sequence<I...>, Out* o, int64_t so, const Tup& p,
                    const std::array<int64_t, sizeof...(I)>& s, bool contiguous, int64_t b, int64_t e, F& f) {
  if (contiguous) {
    for (int64_t i = b; i < e; ++i) o[i] = f(std::get<I>(p)[i]...);
  } else {
    for (int64_t i = b; i < e; ++i) o[i * so] = f(std::get<I>(p)[i * s[I]]...);
  }
}

/// out[i] = f(in0[i], in1[i], ...) with broadcasting. Element types come from
/// the pointer types; callers have already converted dtypes as needed.
template <typename Out, typename... In, typename F>
void elementwise(const Tensor& out, std::tuple<const In*...> bases, std::array<const TensorImpl*, sizeof...(In)> ins,
                 F f) {
  constexpr size_t M = sizeof...(In);
  constexpr size_t N = M + 1;
  if (out.numel() == 0) return;
  std::array<const TensorImpl*, N> all{};
  all[0] = out.unsafe_impl();
  for (size_t k = 0; k < M; ++k) all[k + 1] = ins[k];
  Geometry<N> g = make_geometry<N>(out.sizes(), all);
  Out* po = out.data_ptr<Out>();
  int64_t so = g.ndim ? g.stride[0][g.ndim - 1] : 0;
  std::array<int64_t, M> s{};
  bool contiguous = so == 1 || g.ndim == 0;
  for (size_t k = 0; k < M; ++k) {
    s[k] = g.ndim ? g.stride[k + 1][g.ndim - 1] : 0;
    contiguous &= g.ndim == 0 || s[k] == 1;
  }
  auto row = [&](const std::array<int64_t, N>& off, int64_t b, int64_t e) {
    auto p = [&]<size_t... I>(std::index_sequence<I...>) {
      return std::tuple<const In*...>((std::get<I>(bases) + off[I + 1])...);
    }(std::index_sequence_for<In...>{});
    run_row(std::index_sequence_for<In...>{}, po + off[0], so, p, s, contiguous, b, e, f);
  };
  int64_t rows = g.rows(), n = g.row_len();
  if (rows == 1) {
    std::array<int64_t, N> zero{};
    parallel_for(n, kParallelGrain, [&](int64_t b, int64_t e) { row(zero, b, e); });
  } else {
    int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(n, 1));
    parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
      for_rows(g, r0, r1, [&](const std::array<int64_t, N>& off, int64_t b, int64_t e) { row(off, b, e); });
    });
  }
}

}  // namespace ag::kernels
