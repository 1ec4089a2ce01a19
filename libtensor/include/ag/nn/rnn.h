// RNN, LSTM and GRU: multi-layer, optionally bidirectional recurrent layers with
// PyTorch's parameters, gate order, initialisation and results, over padded or
// packed batches (ag/nn/utils/rnn.h).
//
//     ag::nn::LSTM lstm(ag::nn::LSTMOptions(64, 128).num_layers(2).batch_first(true));
//     auto [out, state] = lstm(x);                   // x (B, T, 64) → out (B, T, 128)
//     auto [h_n, c_n] = state;                        // (2, B, 128) each
//     auto [packed_out, st] = lstm->forward_with_packed_input(pack_padded_sequence(x, lengths, true, false));
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ag/arg.h"
#include "ag/nn/module.h"
#include "ag/nn/utils/rnn.h"

namespace ag::nn {

/// The nonlinearity of a plain RNN (libtorch's torch::kTanh / torch::kReLU).
enum class RNNNonlinearity { Tanh, ReLU };

}  // namespace ag::nn

namespace ag {
inline constexpr nn::RNNNonlinearity kTanh = nn::RNNNonlinearity::Tanh;
inline constexpr nn::RNNNonlinearity kReLU = nn::RNNNonlinearity::ReLU;
}  // namespace ag

namespace ag::nn {

// The options the three layers share, spelled as libtorch's RNNOptions, LSTMOptions and
// GRUOptions: `LSTMOptions(10, 20).num_layers(2).bidirectional(true)`. One list, expanded
// in each class (a base class would make the setters return the base). proj_size (LSTM
// projections) is not offered.
#define AG_RECURRENT_OPTIONS(Name)                                                                                 \
 public:                                                                                                           \
  Name(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}           \
  AG_ARG(int64_t, input_size);                                                                                     \
  AG_ARG(int64_t, hidden_size);                                                                                    \
  /* Stacked layers; layer k > 0 reads the outputs of layer k − 1 (both directions). */                            \
  AG_ARG(int64_t, num_layers) = 1;                                                                                 \
  /* Whether each layer has the two biases b_ih and b_hh. */                                                       \
  AG_ARG(bool, bias) = true;                                                                                       \
  /* Inputs and outputs (B, T, *) instead of (T, B, *); the states stay (L·D, B, H). */                            \
  AG_ARG(bool, batch_first) = false;                                                                               \
  /* Dropout on the outputs of every layer but the last, in training mode. */                                      \
  AG_ARG(double, dropout) = 0.0;                                                                                   \
  /* A second layer per level reading the sequence backwards; outputs are [forward, backward]. */                  \
  AG_ARG(bool, bidirectional) = false

class LSTMOptions {
  AG_RECURRENT_OPTIONS(LSTMOptions);
};
class GRUOptions {
  AG_RECURRENT_OPTIONS(GRUOptions);
};
class RNNOptions {
  AG_RECURRENT_OPTIONS(RNNOptions);
  /// h' = tanh(...) (default) or relu(...).
  AG_ARG(RNNNonlinearity, nonlinearity) = RNNNonlinearity::Tanh;
};
#undef AG_RECURRENT_OPTIONS

namespace detail {

/// What RNN, LSTM and GRU share: the parameters (registered in PyTorch's order and names:
/// weight_ih_l{k}[_reverse], weight_hh_l{k}[_reverse], bias_ih_l{k}[_reverse],
/// bias_hh_l{k}[_reverse]), their initialisation, and the stack of layers and directions.
class RecurrentBase : public Module {
 public:
  /// Every parameter from U(−1/√H, 1/√H), in registration order, from the global generator
  /// (PyTorch's reset_parameters, so the values equal torch's after the same manual_seed).
  void reset_parameters();
  std::string extra_repr() const override;
  /// The parameters layer by layer: {w_ih, w_hh, b_ih, b_hh} (biases left out without bias),
  /// forward direction first (PyTorch's all_weights).
  std::vector<std::vector<Tensor>> all_weights() const;

  /// The layers over packed rows: data (N, input_size) in the sorted order with its
  /// batch_sizes, h0/c0 (L·D, B, H) in the same order or undefined for zeros. Returns
  /// (output (N, D·H), h_n, c_n); c_n undefined unless LSTM.
  struct Run {
    Tensor output, h_n, c_n;
  };
  Run run_packed(const Tensor& data, const std::vector<int64_t>& batch_sizes, const Tensor& h0, const Tensor& c0);

 protected:
  /// `mode` is 0 RNN tanh, 1 RNN relu, 2 LSTM, 3 GRU (the order of the op's modes).
  RecurrentBase(int mode, int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias, bool batch_first,
                double dropout, bool bidirectional);
  /// Forward over a padded input (T, B, in), (B, T, in) or unbatched (T, in).
  Run run_padded(const Tensor& input, const Tensor& h0, const Tensor& c0, bool* unbatched);
  /// Forward over a packed batch, the states in the caller's order.
  Run run_sequence(const utils::rnn::PackedSequence& input, const Tensor& h0, const Tensor& c0);
  int64_t directions() const { return bidirectional_ ? 2 : 1; }

  int mode_;
  int64_t input_size_, hidden_size_, num_layers_;
  bool bias_, batch_first_;
  double dropout_;
  bool bidirectional_;
};

}  // namespace detail

/// Elman RNN: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu). forward takes the input
/// and optionally h0 (L·D, B, H) ((L·D, H) for unbatched input), zeros when undefined, and
/// returns (output, h_n).
class RNNImpl : public detail::RecurrentBase {
 public:
  explicit RNNImpl(const RNNOptions& options);
  RNNImpl(int64_t input_size, int64_t hidden_size) : RNNImpl(RNNOptions(input_size, hidden_size)) {}
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = {});
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(const utils::rnn::PackedSequence& input,
                                                                           const Tensor& hx = {});
  RNNOptions options;
};

/// LSTM with PyTorch's gates i, f, g, o: c' = σ(f)⊙c + σ(i)⊙tanh(g), h' = σ(o)⊙tanh(c').
/// forward takes the input and optionally (h0, c0), each (L·D, B, H), zeros when not given,
/// and returns (output, (h_n, c_n)).
class LSTMImpl : public detail::RecurrentBase {
 public:
  explicit LSTMImpl(const LSTMOptions& options);
  LSTMImpl(int64_t input_size, int64_t hidden_size) : LSTMImpl(LSTMOptions(input_size, hidden_size)) {}
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(const Tensor& input,
                                                         std::optional<std::tuple<Tensor, Tensor>> hx = std::nullopt);
  std::tuple<utils::rnn::PackedSequence, std::tuple<Tensor, Tensor>> forward_with_packed_input(
      const utils::rnn::PackedSequence& input, std::optional<std::tuple<Tensor, Tensor>> hx = std::nullopt);
  LSTMOptions options;
};

/// GRU with PyTorch's gates r, z, n: n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)),
/// h' = (1 − z)⊙n + z⊙h. forward as RNN's.
class GRUImpl : public detail::RecurrentBase {
 public:
  explicit GRUImpl(const GRUOptions& options);
  GRUImpl(int64_t input_size, int64_t hidden_size) : GRUImpl(GRUOptions(input_size, hidden_size)) {}
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = {});
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(const utils::rnn::PackedSequence& input,
                                                                           const Tensor& hx = {});
  GRUOptions options;
};

AG_MODULE(RNN);
AG_MODULE(LSTM);
AG_MODULE(GRU);

}  // namespace ag::nn
