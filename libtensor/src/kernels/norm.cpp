// Batch-norm and layer-norm loops. Batch norm is parallel over channels (its
// reductions) or over (n, c) rows (its transforms); layer norm over rows, with
// the weight and bias gradients summed per chunk and the chunks added in order,
// so results do not depend on thread timing.
#include "kernels/norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ag/runtime.h"
#include "kernels/grain.h"
#include "kernels/lane_sum.h"

namespace ag::kernels {

namespace {

// Calls f(c, offset) for the start of every row of S elements of channels [c0, c1), batch-major so that
// [N, C] inputs stream through memory.
template <typename F>
void rows_of_channels(const ChannelLayout& s, int64_t c0, int64_t c1, F&& f) {
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t c = c0; c < c1; ++c) f(c, (n * s.channels + c) * s.spatial);
}

}  // namespace

template <typename T>
void channel_mean_var(const ChannelLayout& s, const T* x, double* mean, double* var) {
  const int64_t S = s.spatial;
  const double M = static_cast<double>(s.count());
  parallel_for(s.channels, grain_for(s.count()), [&](int64_t c0, int64_t c1) {
    std::fill(mean + c0, mean + c1, 0.0);
    std::fill(var + c0, var + c1, 0.0);
    rows_of_channels(s, c0, c1, [&](int64_t c, int64_t at) {
      mean[c] += lane_sum(S, [row = x + at](int64_t i) { return row[i]; });
    });
    for (int64_t c = c0; c < c1; ++c) mean[c] /= M;
    rows_of_channels(s, c0, c1, [&](int64_t c, int64_t at) {
      var[c] += lane_sum(S, [row = x + at, m = mean[c]](int64_t i) { return (row[i] - m) * (row[i] - m); });
    });
    for (int64_t c = c0; c < c1; ++c) var[c] /= M;
  });
}

template <typename T>
void channel_grad_sums(const ChannelLayout& s, const T* x, const T* dy, const double* mean, double* sum_dy,
                       double* sum_dy_xmu) {
  const int64_t S = s.spatial;
  parallel_for(s.channels, grain_for(s.count()), [&](int64_t c0, int64_t c1) {
    std::fill(sum_dy + c0, sum_dy + c1, 0.0);
    std::fill(sum_dy_xmu + c0, sum_dy_xmu + c1, 0.0);
    rows_of_channels(s, c0, c1, [&](int64_t c, int64_t at) {
      const T* row = x + at;
      const T* g = dy + at;
      const double m = mean[c];
      sum_dy[c] += lane_sum(S, [g](int64_t i) { return g[i]; });
      sum_dy_xmu[c] += lane_sum(S, [g, row, m](int64_t i) { return g[i] * (row[i] - m); });
    });
  });
}

template <typename T>
void channel_affine(const ChannelLayout& s, const T* u, const double* a, const T* v, const double* b, const double* k,
                    T* out) {
  const int64_t S = s.spatial, C = s.channels;
  parallel_for(s.batch * C, grain_for(S), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t c = r % C, at = r * S;
      const T av = static_cast<T>(a[c]), kv = static_cast<T>(k[c]);
      if (v) {
        const T bv = static_cast<T>(b[c]);
        for (int64_t i = 0; i < S; ++i) out[at + i] = u[at + i] * av + v[at + i] * bv + kv;
      } else {
        for (int64_t i = 0; i < S; ++i) out[at + i] = u[at + i] * av + kv;
      }
    }
  });
}

template <typename T>
void layer_norm_forward(int64_t rows, int64_t D, const T* x, const T* w, const T* b, double eps, T* y, double* mean,
                        double* rstd) {
  parallel_for(rows, grain_for(D), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * D;
      const double m = lane_sum(D, [xr](int64_t d) { return xr[d]; }) / static_cast<double>(D);
      const double v = lane_sum(D, [xr, m](int64_t d) { return (xr[d] - m) * (xr[d] - m); });
      const double rs = 1.0 / std::sqrt(v / static_cast<double>(D) + eps);
      mean[r] = m;
      rstd[r] = rs;
      const T mt = static_cast<T>(m), rt = static_cast<T>(rs);
      T* yr = y + r * D;
      for (int64_t d = 0; d < D; ++d) yr[d] = (xr[d] - mt) * rt * (w ? w[d] : T(1)) + (b ? b[d] : T(0));
    }
  });
}

template <typename T>
void layer_norm_backward(int64_t rows, int64_t D, const T* x, const T* dy, const T* w, const double* mean,
                         const double* rstd, T* dx, T* dw, T* db) {
  const int64_t chunks = std::clamp<int64_t>(rows * D / kParallelGrain, 1, std::min<int64_t>(get_num_threads(), std::max<int64_t>(rows, 1)));
  std::vector<double> dw_part(dw ? chunks * D : 0), db_part(db ? chunks * D : 0);
  const double inv_d = 1.0 / static_cast<double>(D);
  parallel_for(chunks, 1, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      double* dw_acc = dw ? dw_part.data() + k * D : nullptr;
      double* db_acc = db ? db_part.data() + k * D : nullptr;
      for (int64_t r = rows * k / chunks; r < rows * (k + 1) / chunks; ++r) {
        const T* xr = x + r * D;
        const T* gr = dy + r * D;
        const double m = mean[r], rs = rstd[r];
        if (dx) {
          // dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)) with g = dy · w.
          auto g = [gr, w](int64_t d) { return static_cast<double>(gr[d]) * (w ? w[d] : T(1)); };
          const double s1 = lane_sum(D, g);
          const double s2 = lane_sum(D, [&g, xr, m, rs](int64_t d) { return g(d) * (xr[d] - m) * rs; });
          const T c1 = static_cast<T>(s1 * inv_d), c2 = static_cast<T>(s2 * inv_d), mt = static_cast<T>(m),
                  rt = static_cast<T>(rs);
          T* out = dx + r * D;
          for (int64_t d = 0; d < D; ++d)
            out[d] = rt * (gr[d] * (w ? w[d] : T(1)) - c1 - (xr[d] - mt) * rt * c2);
        }
        if (dw_acc)
          for (int64_t d = 0; d < D; ++d) dw_acc[d] += gr[d] * (xr[d] - m) * rs;
        if (db_acc)
          for (int64_t d = 0; d < D; ++d) db_acc[d] += gr[d];
      }
    }
  });
  for (int64_t d = 0; d < D; ++d) {
    double sw = 0, sb = 0;
    for (int64_t k = 0; k < chunks; ++k) {
      if (dw) sw += dw_part[k * D + d];
      if (db) sb += db_part[k * D + d];
    }
    if (dw) dw[d] = static_cast<T>(sw);
    if (db) db[d] = static_cast<T>(sb);
  }
}

#define AG_NORM_INSTANTIATE(T)                                                                                    \
  template void channel_mean_var<T>(const ChannelLayout&, const T*, double*, double*);                           \
  template void channel_grad_sums<T>(const ChannelLayout&, const T*, const T*, const double*, double*, double*); \
  template void channel_affine<T>(const ChannelLayout&, const T*, const double*, const T*, const double*,       \
                                  const double*, T*);                                                           \
  template void layer_norm_forward<T>(int64_t, int64_t, const T*, const T*, const T*, double, T*, double*,      \
                                      double*);                                                                 \
  template void layer_norm_backward<T>(int64_t, int64_t, const T*, const T*, const T*, const double*,          \
                                       const double*, T*, T*, T*);
AG_NORM_INSTANTIATE(float)
AG_NORM_INSTANTIATE(double)
#undef AG_NORM_INSTANTIATE

}  // namespace ag::kernels
