// Fused attention kernels (see attention.h). One task per (batch·head) slice;
// inside it, blocks of kRows query rows: S = scale·Q_blk·Kᵀ (columns past the
// causal diagonal never computed), softmax row by row over the whole key range
// (two passes: max, then exp and sum), out_blk = P·V. Backward recomputes P
// from the saved log-sum-exp, so memory stays O(kRows·S) per thread.
#include "kernels/attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "ag/mix64.h"
#include "ag/runtime.h"
#include "kernels/blas_call.h"
#include "kernels/lane_sum.h"
#include "kernels/parallel.h"
#include "kernels/vec_math.h"

namespace ag::kernels {

namespace {

// Rows per block: big enough for the gemms to run near peak, small enough that a
// block's scores (kRows·S) stay in cache for the usual S of a few hundred.
constexpr int64_t kRows = 64;

// Counter-based dropout: the decision for element (n, i, j) is a hash of the seed and its
// position, so backward regenerates the forward's mask without storing it.
struct DropoutMask {
  bool on = false;
  double keep = 1;
  uint64_t seed = 0;
  int64_t l = 0, s = 0;
  bool kept(int64_t n, int64_t i, int64_t j) const {
    uint64_t h = mix64(seed ^ mix64(static_cast<uint64_t>((n * l + i) * s + j)));
    return static_cast<double>(h >> 11) * 0x1.0p-53 < keep;
  }
};

DropoutMask dropout_of(const AttentionGeometry& g) {
  return {g.dropout_p > 0, 1 - g.dropout_p, g.dropout_seed, g.l, g.s};
}

// Runs body(n, scratch) for every slice; across the pool (with single-threaded BLAS inside
// each task) when there are at least two slices and two threads.
template <typename T, typename F>
void for_slices(int64_t count, F&& body) {
  if (count < 2 || get_num_threads() < 2) {
    std::vector<T> a, b;
    for (int64_t n = 0; n < count; ++n) body(n, a, b);
    return;
  }
  BlasSingleThreaded serial_blas;
  std::atomic<int64_t> next{0};
  parallel_for(get_num_threads(), 1, [&](int64_t, int64_t) {
    std::vector<T> a, b;
    for (int64_t n; (n = next.fetch_add(1)) < count;) body(n, a, b);
  });
}

// Key columns that rows [i0, i1) can see.
int64_t visible_columns(const AttentionGeometry& g, int64_t i1) { return g.causal ? std::min(i1, g.s) : g.s; }

// sc[r, j] = scale·q_r·k_j, then the causal and the user's mask, for rows [i0, i0+br) and
// columns [0, c) of slice n; sc has leading dimension c.
template <typename T>
void block_scores(const AttentionGeometry& g, const AttentionMask& mask, int64_t n, int64_t i0, int64_t br, int64_t c,
                  const T* q, const T* k, T* sc) {
  if (g.e == 0)
    std::fill(sc, sc + br * c, T(0));
  else
    gemm_raw<T>(false, true, br, c, g.e, static_cast<T>(g.scale), q + i0 * g.e, g.e, k, g.e, T(0), sc, c);
  const T neg_inf = -std::numeric_limits<T>::infinity();
  for (int64_t r = 0; r < br; ++r) {
    const int64_t i = i0 + r;
    T* row = sc + r * c;
    if (mask.kind == AttentionMask::Kind::Bool) {
      const bool* m = static_cast<const bool*>(mask.base) + mask.offsets[n] + i * mask.row_stride;
      for (int64_t j = 0; j < c; ++j)
        if (!m[j * mask.col_stride]) row[j] = neg_inf;
    } else if (mask.kind == AttentionMask::Kind::Float) {
      const T* m = static_cast<const T*>(mask.base) + mask.offsets[n] + i * mask.row_stride;
      for (int64_t j = 0; j < c; ++j) row[j] += m[j * mask.col_stride];
    }
    if (g.causal)
      for (int64_t j = i + 1; j < c; ++j) row[j] = neg_inf;
  }
}

}  // namespace

template <typename T>
void attention_forward(const AttentionGeometry& g, const AttentionMask& mask, const T* q, const T* k, const T* v,
                       T* out, T* lse) {
  const DropoutMask drop = dropout_of(g);
  const T inv_keep = drop.keep > 0 ? static_cast<T>(1 / drop.keep) : T(0);
  for_slices<T>(g.n, [&](int64_t n, std::vector<T>& sc, std::vector<T>&) {
    const T* qn = q + n * g.l * g.e;
    const T* kn = k + n * g.s * g.e;
    const T* vn = v + n * g.s * g.ev;
    T* on = out + n * g.l * g.ev;
    T* ln = lse + n * g.l;
    for (int64_t i0 = 0; i0 < g.l; i0 += kRows) {
      const int64_t br = std::min(kRows, g.l - i0), c = visible_columns(g, i0 + br);
      if (c == 0) {  // no keys at all: every row is fully masked
        std::fill(on + i0 * g.ev, on + (i0 + br) * g.ev, T(0));
        std::fill(ln + i0, ln + i0 + br, -std::numeric_limits<T>::infinity());
        continue;
      }
      sc.resize(static_cast<size_t>(br * c));
      block_scores(g, mask, n, i0, br, c, qn, kn, sc.data());
      for (int64_t r = 0; r < br; ++r) {
        T* row = sc.data() + r * c;
        T mx = *std::max_element(row, row + c);
        if (mx == -std::numeric_limits<T>::infinity()) {
          // Every key masked: PyTorch's safe softmax gives zero weights (not NaN).
          std::fill(row, row + c, T(0));
          ln[i0 + r] = mx;
          continue;
        }
        // The exponentials in a loop of their own, which vectorises; the sum in lanes.
        for (int64_t j = 0; j < c; ++j) row[j] = vec::exp(row[j] - mx);
        const T sum = lane_sum<8, T>(c, [row](int64_t j) { return row[j]; });
        ln[i0 + r] = mx + std::log(sum);
        const T inv = T(1) / sum;
        for (int64_t j = 0; j < c; ++j) row[j] *= inv;
        if (drop.on)
          for (int64_t j = 0; j < c; ++j) row[j] = drop.kept(n, i0 + r, j) ? row[j] * inv_keep : T(0);
      }
      gemm_raw<T>(false, false, br, g.ev, c, T(1), sc.data(), c, vn, g.ev, T(0), on + i0 * g.ev, g.ev);
    }
  });
}

template <typename T>
void attention_backward(const AttentionGeometry& g, const AttentionMask& mask, const T* q, const T* k, const T* v,
                        const T* lse, const T* gout, T* gq, T* gk, T* gv) {
  const DropoutMask drop = dropout_of(g);
  const T inv_keep = drop.keep > 0 ? static_cast<T>(1 / drop.keep) : T(0);
  const T scale = static_cast<T>(g.scale);
  for_slices<T>(g.n, [&](int64_t n, std::vector<T>& p, std::vector<T>& w) {
    const T* qn = q + n * g.l * g.e;
    const T* kn = k + n * g.s * g.e;
    const T* vn = v + n * g.s * g.ev;
    const T* ln = lse + n * g.l;
    const T* gon = gout + n * g.l * g.ev;
    T* gqn = gq ? gq + n * g.l * g.e : nullptr;
    T* gkn = gk ? gk + n * g.s * g.e : nullptr;
    T* gvn = gv ? gv + n * g.s * g.ev : nullptr;
    if (gkn) std::fill(gkn, gkn + g.s * g.e, T(0));
    if (gvn) std::fill(gvn, gvn + g.s * g.ev, T(0));
    for (int64_t i0 = 0; i0 < g.l; i0 += kRows) {
      const int64_t br = std::min(kRows, g.l - i0), c = visible_columns(g, i0 + br);
      if (c == 0) {
        if (gqn) std::fill(gqn + i0 * g.e, gqn + (i0 + br) * g.e, T(0));
        continue;
      }
      p.resize(static_cast<size_t>(br * c));
      w.resize(static_cast<size_t>(br * c));
      block_scores(g, mask, n, i0, br, c, qn, kn, p.data());
      for (int64_t r = 0; r < br; ++r) {  // P = exp(S − lse): the forward's probabilities, before dropout
        T* row = p.data() + r * c;
        const T l = ln[i0 + r];
        if (l == -std::numeric_limits<T>::infinity())
          std::fill(row, row + c, T(0));
        else
          for (int64_t j = 0; j < c; ++j) row[j] = vec::exp(row[j] - l);
      }
      const T* go = gon + i0 * g.ev;
      if (gvn) {  // gV += (P∘M)ᵀ·gO
        const T* pd = p.data();
        if (drop.on) {
          for (int64_t r = 0; r < br; ++r)
            for (int64_t j = 0; j < c; ++j) w[r * c + j] = drop.kept(n, i0 + r, j) ? p[r * c + j] * inv_keep : T(0);
          pd = w.data();
        }
        gemm_raw<T>(true, false, c, g.ev, br, T(1), pd, c, go, g.ev, T(1), gvn, g.ev);
      }
      if (!gqn && !gkn) continue;
      // dP = (gO·Vᵀ)∘M; dS = P∘(dP − rowsum(P∘dP)), in w.
      if (g.ev == 0)
        std::fill(w.begin(), w.end(), T(0));
      else
        gemm_raw<T>(false, true, br, c, g.ev, T(1), go, g.ev, vn, g.ev, T(0), w.data(), c);
      for (int64_t r = 0; r < br; ++r) {
        T* dp = w.data() + r * c;
        const T* pr = p.data() + r * c;
        if (drop.on)
          for (int64_t j = 0; j < c; ++j) dp[j] = drop.kept(n, i0 + r, j) ? dp[j] * inv_keep : T(0);
        T dot = 0;
        for (int64_t j = 0; j < c; ++j) dot += pr[j] * dp[j];
        for (int64_t j = 0; j < c; ++j) dp[j] = pr[j] * (dp[j] - dot);
      }
      if (g.e == 0) continue;
      if (gqn) gemm_raw<T>(false, false, br, g.e, c, scale, w.data(), c, kn, g.e, T(0), gqn + i0 * g.e, g.e);
      if (gkn) gemm_raw<T>(true, false, c, g.e, br, scale, w.data(), c, qn + i0 * g.e, g.e, T(1), gkn, g.e);
    }
  });
}

template void attention_forward<float>(const AttentionGeometry&, const AttentionMask&, const float*, const float*,
                                       const float*, float*, float*);
template void attention_forward<double>(const AttentionGeometry&, const AttentionMask&, const double*, const double*,
                                        const double*, double*, double*);
template void attention_backward<float>(const AttentionGeometry&, const AttentionMask&, const float*, const float*,
                                        const float*, const float*, const float*, float*, float*, float*);
template void attention_backward<double>(const AttentionGeometry&, const AttentionMask&, const double*, const double*,
                                         const double*, const double*, const double*, double*, double*, double*);

}  // namespace ag::kernels
