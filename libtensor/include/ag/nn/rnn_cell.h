// RNNCell, LSTMCell and GRUCell: one step of the recurrent layers (ag/nn/rnn.h), with
// PyTorch's parameters (weight_ih, weight_hh, bias_ih, bias_hh), gate order and init.
//
//     ag::nn::LSTMCell cell(10, 20);
//     auto [h, c] = cell(x);            // x (B, 10): zero state → h, c (B, 20)
//     std::tie(h, c) = cell(x2, std::make_tuple(h, c));
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "ag/arg.h"
#include "ag/nn/module.h"
#include "ag/nn/rnn.h"

namespace ag::nn {

#define AG_RECURRENT_CELL_OPTIONS(Name)                                                                  \
 public:                                                                                                 \
  Name(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {} \
  AG_ARG(int64_t, input_size);                                                                           \
  AG_ARG(int64_t, hidden_size);                                                                          \
  /* Whether the cell has the two biases b_ih and b_hh. */                                               \
  AG_ARG(bool, bias) = true

/// libtorch's cell options: `LSTMCellOptions(10, 20).bias(false)`.
class LSTMCellOptions {
  AG_RECURRENT_CELL_OPTIONS(LSTMCellOptions);
};
class GRUCellOptions {
  AG_RECURRENT_CELL_OPTIONS(GRUCellOptions);
};
class RNNCellOptions {
  AG_RECURRENT_CELL_OPTIONS(RNNCellOptions);
  AG_ARG(RNNNonlinearity, nonlinearity) = RNNNonlinearity::Tanh;
};
#undef AG_RECURRENT_CELL_OPTIONS

namespace detail {

/// What the cells share: parameters, init U(−1/√H, 1/√H) in registration order, one step.
class RecurrentCellBase : public Module {
 public:
  void reset_parameters();
  std::string extra_repr() const override;
  /// (G·H, input_size), (G·H, H), and the biases (G·H) or undefined without bias.
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;

 protected:
  /// `mode` as in RecurrentBase.
  RecurrentCellBase(int mode, int64_t input_size, int64_t hidden_size, bool bias);
  /// One step from x (B, in) or unbatched (in) and the state (zeros when undefined): (h', c').
  std::tuple<Tensor, Tensor> step(const Tensor& input, const Tensor& h, const Tensor& c);

  int mode_;
  int64_t input_size_, hidden_size_;
};

}  // namespace detail

/// h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu); forward(x, h = zeros) → h'.
class RNNCellImpl : public detail::RecurrentCellBase {
 public:
  explicit RNNCellImpl(const RNNCellOptions& options);
  RNNCellImpl(int64_t input_size, int64_t hidden_size) : RNNCellImpl(RNNCellOptions(input_size, hidden_size)) {}
  Tensor forward(const Tensor& input, const Tensor& hx = {});
  RNNCellOptions options;
};

/// One LSTM step (gates i, f, g, o); forward(x, (h, c) = zeros) → (h', c').
class LSTMCellImpl : public detail::RecurrentCellBase {
 public:
  explicit LSTMCellImpl(const LSTMCellOptions& options);
  LSTMCellImpl(int64_t input_size, int64_t hidden_size) : LSTMCellImpl(LSTMCellOptions(input_size, hidden_size)) {}
  std::tuple<Tensor, Tensor> forward(const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx = std::nullopt);
  LSTMCellOptions options;
};

/// One GRU step (gates r, z, n); forward(x, h = zeros) → h'.
class GRUCellImpl : public detail::RecurrentCellBase {
 public:
  explicit GRUCellImpl(const GRUCellOptions& options);
  GRUCellImpl(int64_t input_size, int64_t hidden_size) : GRUCellImpl(GRUCellOptions(input_size, hidden_size)) {}
  Tensor forward(const Tensor& input, const Tensor& hx = {});
  GRUCellOptions options;
};

AG_MODULE(RNNCell);
AG_MODULE(LSTMCell);
AG_MODULE(GRUCell);

}  // namespace ag::nn
