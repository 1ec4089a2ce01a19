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
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/vec_math.h"

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
    T* g = s.xg + b * 4 * H;
    const T* r = s.hg + b * 4 * H;
    T *h = s.h + b * H, *c = s.c + b * H, *o = s.out + b * H;
    T *hp = s.h_prev + b * H, *cp = s.c_prev + b * H, *tc = s.extra + b * H;
    for (int64_t j = 0; j < H; ++j) {
      const T i = sigmoid(g[j] + r[j]), f = sigmoid(g[H + j] + r[H + j]);
      const T gg = tanh(g[2 * H + j] + r[2 * H + j]), og = sigmoid(g[3 * H + j] + r[3 * H + j]);
      g[j] = i, g[H + j] = f, g[2 * H + j] = gg, g[3 * H + j] = og;
      hp[j] = h[j], cp[j] = c[j];
      const T cn = f * c[j] + i * gg, t = tanh(cn);
      c[j] = cn, tc[j] = t;
      h[j] = o[j] = og * t;
    }
  }
}

template <typename T>
void gru_forward(const Step<T>& s) {
  const int64_t H = s.H;
  for (int64_t b = 0; b < s.bs; ++b) {
    T* g = s.xg + b * 3 * H;
    const T* r = s.hg + b * 3 * H;
    T *h = s.h + b * H, *o = s.out + b * H, *hp = s.h_prev + b * H, *hn = s.extra + b * H;
    for (int64_t j = 0; j < H; ++j) {
      const T rg = sigmoid(g[j] + r[j]), z = sigmoid(g[H + j] + r[H + j]);
      const T n = tanh(g[2 * H + j] + rg * r[2 * H + j]);
      g[j] = rg, g[H + j] = z, g[2 * H + j] = n;
      hn[j] = r[2 * H + j];
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
    const T* a = s.act + b * 4 * H;
    const T *cp = s.c_prev + b * H, *tc = s.extra + b * H;
    T *dh = s.dh + b * H, *dc = s.dc + b * H, *d = s.dxg + b * 4 * H;
    for (int64_t j = 0; j < H; ++j) {
      const T i = a[j], f = a[H + j], gg = a[2 * H + j], o = a[3 * H + j], t = tc[j];
      const T dct = dc[j] + dh[j] * o * (T(1) - t * t);
      d[j] = dct * gg * i * (T(1) - i);
      d[H + j] = dct * cp[j] * f * (T(1) - f);
      d[2 * H + j] = dct * i * (T(1) - gg * gg);
      d[3 * H + j] = dh[j] * t * o * (T(1) - o);
      dc[j] = dct * f;
      dh[j] = 0;
    }
  }
}

template <typename T>
void gru_backward(const StepGrad<T>& s) {
  const int64_t H = s.H;
  for (int64_t b = 0; b < s.bs; ++b) {
    const T* a = s.act + b * 3 * H;
    const T *hp = s.h_prev + b * H, *hn = s.extra + b * H;
    T *dh = s.dh + b * H, *dx = s.dxg + b * 3 * H, *dr = s.dhg + b * 3 * H;
    for (int64_t j = 0; j < H; ++j) {
      const T r = a[j], z = a[H + j], n = a[2 * H + j], g = dh[j];
      const T dn = g * (T(1) - z) * (T(1) - n * n);
      const T dz = g * (hp[j] - n) * z * (T(1) - z);
      const T drr = dn * hn[j] * r * (T(1) - r);
      dx[j] = dr[j] = drr;
      dx[H + j] = dr[H + j] = dz;
      dx[2 * H + j] = dn;
      dr[2 * H + j] = dn * r;
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
    for (int64_t j = 0; j < H; ++j) {
      const T v = a[j];
      d[j] = relu ? (v > T(0) ? dh[j] : T(0)) : dh[j] * (T(1) - v * v);
      dh[j] = 0;
    }
  }
}

}  // namespace ag::kernels::recurrent
