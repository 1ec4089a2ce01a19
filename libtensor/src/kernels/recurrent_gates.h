// The per-step gate arithmetic of the recurrent layers, forward and backward, as
// one loop over a step's active rows: the nonlinearities, the cell update and what
// backward needs are computed in a single pass over memory, with no temporaries.
//
// Layout (PyTorch's): a row of pre-activations holds the G gate blocks of H values
// each, in PyTorch's order: LSTM i, f, g, o; GRU r, z, n; a plain RNN one block.
// `xg` holds x·W_ihᵀ + b_ih (plus b_hh for LSTM and RNN, whose two biases always
// add; GRU keeps b_hh with the recurrent product, since r multiplies W_hn·h + b_hn).
// `hg` holds h·W_hhᵀ (+ b_hh for GRU). Forward overwrites `xg` with the gate
// activations, which is what backward reads.
//
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/vec_math.h"

// The buffers a gate loop reads and writes never overlap, but the compiler cannot
// prove it and kept these loops scalar (one exp per element instead of 16: the gates
// were a fifth of an LSTM layer's time). The pragma states it for the loop.
#if defined(__clang__)
#define AG_GATE_LOOP _Pragma("clang loop vectorize(assume_safety)")
#else
#define AG_GATE_LOOP _Pragma("GCC ivdep")
#endif

namespace ag::kernels::recurrent {

using vec::sigmoid;
using vec::tanh;

/// What one step reads and writes; all row-major, rows 0..bs-1 active.
template <typename T>
struct Step {
  int64_t bs, H;
  T* xg;           // (bs, G·H): pre-activations in, activations out
  const T* hg;     // (bs, G·H): the recurrent product
  T* h;            // (bs, H): state in, new state out
  T* c;            // (bs, H): LSTM cell state in/out
  T* out;          // (bs, H): this step's output rows
  T* h_prev;       // (bs, H): saved state before the step
  T* c_prev;       // LSTM: saved cell state before the step
  T* extra;        // LSTM: tanh(c'); GRU: W_hn·h + b_hn
};

template <typename T>
void lstm_forward(const Step<T>& s) {
  const int64_t H = s.H;
  for (int64_t b = 0; b < s.bs; ++b) {
    T *gi = s.xg + b * 4 * H, *gf = gi + H, *gc = gi + 2 * H, *go = gi + 3 * H;
    const T *ri = s.hg + b * 4 * H, *rf = ri + H, *rc = ri + 2 * H,
            *ro = ri + 3 * H;
    T *h = s.h + b * H, *c = s.c + b * H, *o = s.out + b * H;
    T *hp = s.h_prev + b * H, *cp = s.c_prev + b * H, *tc = s.extra + b * H;
    AG_GATE_LOOP
    for (int64_t j = 0; j < H; ++j) {
      const T i = sigmoid(gi[j] + ri[j]), f = sigmoid(gf[j] + rf[j]);
      const T g = tanh(gc[j] + rc[j]), og = sigmoid(go[j] + ro[j]);
      gi[j] = i, gf[j] = f, gc[j] = g, go[j] = og;
      hp[j] = h[j], cp[j] = c[j];
      const T cn = f * c[j] + i * g, t = tanh(cn);
      c[j] = cn, tc[j] = t;
      h[j] = o[j] = og * t;
    }
  }
}

template <typename T>
void gru_forward(const Step<T>& s) {
  const int64_t H = s.H;
  for (int64_t b = 0; b < s.bs; ++b) {
    T *gr = s.xg + b * 3 * H, *gz = gr + H, *gn = gr + 2 * H;
    const T *rr = s.hg + b * 3 * H, *rz = rr + H, *rn = rr + 2 * H;
    T *h = s.h + b * H, *o = s.out + b * H, *hp = s.h_prev + b * H,
      *hn = s.extra + b * H;
    AG_GATE_LOOP
    for (int64_t j = 0; j < H; ++j) {
      const T rg = sigmoid(gr[j] + rr[j]), z = sigmoid(gz[j] + rz[j]);
      const T n = tanh(gn[j] + rg * rn[j]);
      gr[j] = rg, gz[j] = z, gn[j] = n;
      hn[j] = rn[j];
      hp[j] = h[j];
      h[j] = o[j] = (T(1) - z) * n + z * h[j];
    }
  }
}

template <typename T>
void rnn_forward(const Step<T>& s, bool relu) {
  const int64_t H = s.H;
  for (int64_t b = 0; b < s.bs; ++b) {
    T* g = s.xg + b * H;
    const T* r = s.hg + b * H;
    T *h = s.h + b * H, *o = s.out + b * H, *hp = s.h_prev + b * H;
    AG_GATE_LOOP
    for (int64_t j = 0; j < H; ++j) {
      const T pre = g[j] + r[j];
      const T v = relu ? (pre > T(0) ? pre : T(0)) : tanh(pre);
      hp[j] = h[j];
      g[j] = v;
      h[j] = o[j] = v;
    }
  }
}

/// What one backward step reads and writes. `dh` holds dL/dh of the step's output
/// state on entry; the gate loop leaves there whatever part of dL/dh_prev does not
/// go through W_hh (GRU's z·dh, otherwise nothing), and the caller adds dhg·W_hh.
template <typename T>
struct StepGrad {
  int64_t bs, H;
  const T* act;     // (bs, G·H): saved activations
  const T* h_prev;  // (bs, H)
  const T* c_prev;  // LSTM
  const T* extra;   // LSTM tanh(c'); GRU W_hn·h + b_hn
  T* dh;            // (bs, H)
  T* dc;            // LSTM: dL/dc' in, dL/dc_prev out
  T* dxg;           // (bs, G·H): dL/d(pre-activation), input side
  T* dhg;           // GRU: (bs, G·H) recurrent side (equal to dxg otherwise)
};

template <typename T>
void lstm_backward(const StepGrad<T>& s) {
  const int64_t H = s.H;
  for (int64_t b = 0; b < s.bs; ++b) {
    const T *ai = s.act + b * 4 * H, *af = ai + H, *ac = ai + 2 * H,
            *ao = ai + 3 * H;
    const T *cp = s.c_prev + b * H, *tc = s.extra + b * H;
    T *dh = s.dh + b * H, *dc = s.dc + b * H;
    T *di = s.dxg + b * 4 * H, *df = di + H, *dg = di + 2 * H, *d_o = di + 3 * H;
    AG_GATE_LOOP
    for (int64_t j = 0; j < H; ++j) {
      const T i = ai[j], f = af[j], g = ac[j], o = ao[j], t = tc[j];
      const T dct = dc[j] + dh[j] * o * (T(1) - t * t);
      di[j] = dct * g * i * (T(1) - i);
      df[j] = dct * cp[j] * f * (T(1) - f);
      dg[j] = dct * i * (T(1) - g * g);
      d_o[j] = dh[j] * t * o * (T(1) - o);
      dc[j] = dct * f;
      dh[j] = 0;
    }
  }
}

template <typename T>
void gru_backward(const StepGrad<T>& s) {
  const int64_t H = s.H;
  for (int64_t b = 0; b < s.bs; ++b) {
    const T *ar = s.act + b * 3 * H, *az = ar + H, *an = ar + 2 * H;
    const T *hp = s.h_prev + b * H, *hn = s.extra + b * H;
    T *dh = s.dh + b * H;
    T *dxr = s.dxg + b * 3 * H, *dxz = dxr + H, *dxn = dxr + 2 * H;
    T *dhr = s.dhg + b * 3 * H, *dhz = dhr + H, *dhn = dhr + 2 * H;
    AG_GATE_LOOP
    for (int64_t j = 0; j < H; ++j) {
      const T r = ar[j], z = az[j], n = an[j], g = dh[j];
      const T dn = g * (T(1) - z) * (T(1) - n * n);
      const T dz = g * (hp[j] - n) * z * (T(1) - z);
      const T drr = dn * hn[j] * r * (T(1) - r);
      dxr[j] = dhr[j] = drr;
      dxz[j] = dhz[j] = dz;
      dxn[j] = dn;
      dhn[j] = dn * r;
      dh[j] = g * z;
    }
  }
}

template <typename T>
void rnn_backward(const StepGrad<T>& s, bool relu) {
  const int64_t H = s.H;
  for (int64_t b = 0; b < s.bs; ++b) {
    const T* a = s.act + b * H;
    T *dh = s.dh + b * H, *d = s.dxg + b * H;
    AG_GATE_LOOP
    for (int64_t j = 0; j < H; ++j) {
      const T v = a[j];
      d[j] = relu ? (v > T(0) ? dh[j] : T(0)) : dh[j] * (T(1) - v * v);
      dh[j] = 0;
    }
  }
}

}  // namespace ag::kernels::recurrent
