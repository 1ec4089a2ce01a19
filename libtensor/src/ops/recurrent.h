// One direction of one recurrent layer over a packed batch: the op behind nn::RNN,
// nn::LSTM, nn::GRU and their cells. The layers stack it (layers, directions,
// dropout); this op runs the time loop.
//
// Packed layout (PackedSequence's): the rows of `x` are time-major, step t holding
// batch_sizes[t] rows, non-increasing in t, for the sequences sorted longest first;
// a padded (T, B, in) batch is the case batch_sizes = {B, ..., B}. Sequences that
// have ended simply drop out of the later steps, so their state is final where
// they end; the reverse direction walks the steps from the last, each sequence
// starting from its own last element.
#pragma once
#include <cstdint>
#include <vector>

#include "ag/tensor.h"

namespace ag::ops {

enum class RecurrentMode { RnnTanh, RnnRelu, Lstm, Gru };

/// Gate blocks per row of the weights: 4 (LSTM), 3 (GRU), 1 (RNN).
int64_t gate_count(RecurrentMode mode);
/// "LSTM", "GRU", "RNN_TANH", "RNN_RELU" (PyTorch's mode names), for messages.
const char* mode_name(RecurrentMode mode);

/// One layer's weights: w_ih (G·H, in), w_hh (G·H, H), b_ih and b_hh (G·H) or both undefined.
struct RecurrentWeights {
  Tensor w_ih, w_hh, b_ih, b_hh;
};

/// output (N, H) in x's packed layout; h_n (B, H); c_n (B, H) for LSTM, else undefined.
struct RecurrentResult {
  Tensor output, h_n, c_n;
};

/// The layer over x (N, in) with initial state h0 (B, H) and, for LSTM, c0 (B, H),
/// B = batch_sizes[0]. Differentiable in x, h0, c0 and every weight. Float32 or float64.
///
/// The fast path: the input projection of all steps is one GEMM; each step runs one
/// GEMM over its active rows and one fused gate loop (kernels/recurrent_gates.h);
/// backward is one node for the whole layer, with one GEMM per step and the weight
/// gradients as three GEMMs over all steps. With AG_RNN_REFERENCE set in the
/// environment, recurrent_layer_reference runs instead.
RecurrentResult recurrent_layer(RecurrentMode mode, const Tensor& x, const std::vector<int64_t>& batch_sizes,
                                const Tensor& h0, const Tensor& c0, const RecurrentWeights& w, bool reverse);

/// The same computation written step by step with the ordinary differentiable ops
/// (linear, narrow, sigmoid, tanh, cat), the plain path the fast one is tested against.
RecurrentResult recurrent_layer_reference(RecurrentMode mode, const Tensor& x, const std::vector<int64_t>& batch_sizes,
                                          const Tensor& h0, const Tensor& c0, const RecurrentWeights& w, bool reverse);

}  // namespace ag::ops
