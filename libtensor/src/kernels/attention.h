// Fused scaled dot-product attention on raw buffers (flash-attention style):
// scores are formed one block of query rows at a time, softmaxed in place and
// multiplied into V, so no [L, S] matrix outlives its block. Backward keeps
// only the per-row log-sum-exp from forward and recomputes each block's
// probabilities from it. No autograd here (ops/attention.cpp adds it).
#pragma once
#include <cstdint>
#include <vector>

namespace ag::kernels {

/// How the additive/boolean mask of one (batch·head) slice is read: element (i, j) of
/// slice n sits at base + offsets[n] + i·row_stride + j·col_stride (elements, not bytes;
/// strides of 0 broadcast). `kind` None ignores the rest.
struct AttentionMask {
  enum class Kind { None, Bool, Float } kind = Kind::None;
  const void* base = nullptr;  // bool* for Bool, T* (the query's element type) for Float
  std::vector<int64_t> offsets;
  int64_t row_stride = 0, col_stride = 0;
};

/// Shapes and options of one call: N slices of q [L, E], k [S, E], v [S, Ev], all contiguous.
struct AttentionGeometry {
  int64_t n = 0, l = 0, s = 0, e = 0, ev = 0;
  double scale = 1;
  bool causal = false;  // top-left aligned: query row i sees key columns j <= i
  double dropout_p = 0;
  uint64_t dropout_seed = 0;  // the keep/drop decision of (n, i, j) is a pure function of it
};

/// out [N, L, Ev] and lse [N, L] (log Σ exp of each row's scaled, masked scores; −inf for a row
/// every key is masked from, whose output is then 0).
template <typename T>
void attention_forward(const AttentionGeometry& g, const AttentionMask& mask, const T* q, const T* k, const T* v,
                       T* out, T* lse);

/// Gradients of q, k, v (any of gq, gk, gv may be null when not wanted; all are overwritten)
/// from the upstream gradient gout [N, L, Ev] and the forward's lse.
template <typename T>
void attention_backward(const AttentionGeometry& g, const AttentionMask& mask, const T* q, const T* k, const T* v,
                        const T* lse, const T* gout, T* gq, T* gk, T* gv);

}  // namespace ag::kernels
