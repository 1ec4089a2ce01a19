// RNN, LSTM and GRU: parameters, the stack of layers and directions over the fused
// recurrent op (ops/recurrent.h), and the padded, unbatched and packed entry points.
#include "ag/nn/rnn.h"

#include <cmath>
#include <iostream>
#include <stdexcept>

#include "ag/nn/functional.h"
#include "ag/nn/init.h"
#include "nn/python_repr.h"
#include "ops/recurrent.h"
#include "ops/row_gather.h"

namespace ag::nn {

using utils::rnn::PackedSequence;

namespace detail {

namespace {

ops::RecurrentMode op_mode(int mode) { return static_cast<ops::RecurrentMode>(mode); }

// (L·D, B, H) states reordered along the batch: result[:, k] = s[:, rows[k]].
Tensor reorder_batch(const Tensor& s, const Tensor& order) {
  if (!s.defined() || !order.defined()) return s;
  Tensor c = order.contiguous();
  std::vector<int64_t> rows(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
  return ops::gather_rows(s.transpose(0, 1), rows).transpose(0, 1);
}

}  // namespace

RecurrentBase::RecurrentBase(int mode, int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
                             bool batch_first, double dropout, bool bidirectional)
    : mode_(mode),
      input_size_(input_size),
      hidden_size_(hidden_size),
      num_layers_(num_layers),
      bias_(bias),
      batch_first_(batch_first),
      dropout_(dropout),
      bidirectional_(bidirectional) {
  const char* who = ops::mode_name(op_mode(mode));
  if (input_size <= 0 || hidden_size <= 0)
    throw std::invalid_argument(std::string(who) + ": input_size and hidden_size must be positive, got " +
                                std::to_string(input_size) + " and " + std::to_string(hidden_size));
  if (num_layers < 1) throw std::invalid_argument(std::string(who) + ": num_layers must be at least 1, got " + std::to_string(num_layers));
  if (!(dropout >= 0 && dropout <= 1))
    throw std::invalid_argument(std::string(who) + ": dropout should be a number in range [0, 1] representing the probability "
                                "of an element being zeroed, got " + nn::detail::python_float(dropout));
  if (dropout > 0 && num_layers == 1)
    std::cerr << "allgrad: warning: " << who << ": dropout option adds dropout after all but the last recurrent layer, so "
              << "non-zero dropout expects num_layers greater than 1, but got dropout=" << nn::detail::python_float(dropout)
              << " and num_layers=1\n";
  const int64_t G = ops::gate_count(op_mode(mode));
  for (int64_t l = 0; l < num_layers; ++l)
    for (int64_t d = 0; d < directions(); ++d) {
      const std::string sfx = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      const int64_t in = l == 0 ? input_size : hidden_size * directions();
      register_parameter("weight_ih" + sfx, empty({G * hidden_size, in}));
      register_parameter("weight_hh" + sfx, empty({G * hidden_size, hidden_size}));
      if (bias) {
        register_parameter("bias_ih" + sfx, empty({G * hidden_size}));
        register_parameter("bias_hh" + sfx, empty({G * hidden_size}));
      }
    }
  reset_parameters();
}

void RecurrentBase::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size_));
  for (Tensor& p : parameters(false)) init::uniform_(p, -bound, bound);
}

std::vector<std::vector<Tensor>> RecurrentBase::all_weights() const {
  std::vector<Tensor> flat = parameters(false);
  const size_t per = bias_ ? 4 : 2;
  std::vector<std::vector<Tensor>> out;
  for (size_t i = 0; i + per <= flat.size(); i += per) out.emplace_back(flat.begin() + i, flat.begin() + i + per);
  return out;
}

std::string RecurrentBase::extra_repr() const {
  std::string s = std::to_string(input_size_) + ", " + std::to_string(hidden_size_);
  if (num_layers_ != 1) s += ", num_layers=" + std::to_string(num_layers_);
  if (mode_ == static_cast<int>(ops::RecurrentMode::RnnRelu)) s += ", nonlinearity='relu'";
  if (!bias_) s += ", bias=False";
  if (batch_first_) s += ", batch_first=True";
  if (dropout_ != 0) s += ", dropout=" + nn::detail::python_float(dropout_);
  if (bidirectional_) s += ", bidirectional=True";
  return s;
}

RecurrentBase::Run RecurrentBase::run_packed(const Tensor& data, const std::vector<int64_t>& batch_sizes, const Tensor& h0,
                                             const Tensor& c0) {
  const auto mode = op_mode(mode_);
  const char* who = ops::mode_name(mode);
  if (!data.defined() || data.dim() != 2 || data.size(1) != input_size_)
    throw std::invalid_argument(std::string(who) + ": input.size(-1) must be equal to input_size. Expected " +
                                std::to_string(input_size_) + ", got " +
                                (data.defined() && data.dim() > 0 ? std::to_string(data.size(-1)) : std::string("no input")));
  const int64_t B = batch_sizes.at(0), D = directions(), H = hidden_size_;
  const Dims state{num_layers_ * D, B, H};
  const bool lstm = mode == ops::RecurrentMode::Lstm;
  for (const Tensor* s : {&h0, &c0})
    if (s->defined() && s->sizes() != state)
      throw std::invalid_argument(std::string(who) + ": expected hidden size " + to_string(state) + ", got " + to_string(s->sizes()));
  const std::vector<std::vector<Tensor>> w = all_weights();
  Tensor x = data;
  TensorList h_n, c_n;
  for (int64_t l = 0; l < num_layers_; ++l) {
    TensorList outs;
    for (int64_t d = 0; d < D; ++d) {
      const std::vector<Tensor>& lw = w[static_cast<size_t>(l * D + d)];
      ops::RecurrentWeights rw{lw[0], lw[1], bias_ ? lw[2] : Tensor(), bias_ ? lw[3] : Tensor()};
      Tensor h = h0.defined() ? h0.select(0, l * D + d) : zeros({B, H}, x.dtype());
      Tensor c = !lstm ? Tensor() : c0.defined() ? c0.select(0, l * D + d) : zeros({B, H}, x.dtype());
      ops::RecurrentResult r = ops::recurrent_layer(mode, x, batch_sizes, h, c, rw, d == 1);
      outs.push_back(r.output);
      h_n.push_back(r.h_n);
      if (lstm) c_n.push_back(r.c_n);
    }
    x = D == 1 ? outs[0] : cat(outs, 1);
    if (dropout_ > 0 && is_training() && l + 1 < num_layers_) x = functional::dropout(x, dropout_, true);
  }
  return {x, stack(h_n, 0), lstm ? stack(c_n, 0) : Tensor()};
}

RecurrentBase::Run RecurrentBase::run_padded(const Tensor& input, const Tensor& h0, const Tensor& c0, bool* unbatched) {
  const char* who = ops::mode_name(op_mode(mode_));
  if (!input.defined() || (input.dim() != 2 && input.dim() != 3))
    throw std::invalid_argument(std::string(who) + ": expected input to be 2-D (unbatched) or 3-D, got " +
                                (input.defined() ? std::to_string(input.dim()) + "-D input of shape " + to_string(input.sizes())
                                                 : std::string("an undefined tensor")));
  *unbatched = input.dim() == 2;
  Tensor x = *unbatched ? input.unsqueeze(batch_first_ ? 0 : 1) : input;
  Tensor h = h0, c = c0;
  if (*unbatched) {
    for (const Tensor* s : {&h0, &c0})
      if (s->defined() && s->dim() != 2)
        throw std::invalid_argument(std::string(who) + ": for unbatched 2-D input, hx should also be 2-D but got " +
                                    std::to_string(s->dim()) + "-D tensor");
    if (h.defined()) h = h.unsqueeze(1);
    if (c.defined()) c = c.unsqueeze(1);
  }
  if (batch_first_) x = x.transpose(0, 1);
  const int64_t T = x.size(0), B = x.size(1);
  if (T == 0 || B == 0)
    throw std::invalid_argument(std::string(who) + ": input " + to_string(input.sizes()) + " has no steps or no sequences");
  Run r = run_packed(x.reshape({T * B, x.size(2)}), std::vector<int64_t>(static_cast<size_t>(T), B), h, c);
  r.output = r.output.view({T, B, r.output.size(1)});
  if (batch_first_) r.output = r.output.transpose(0, 1);
  if (*unbatched) {
    r.output = r.output.squeeze(batch_first_ ? 0 : 1);
    r.h_n = r.h_n.squeeze(1);
    if (r.c_n.defined()) r.c_n = r.c_n.squeeze(1);
  }
  return r;
}

RecurrentBase::Run RecurrentBase::run_sequence(const PackedSequence& input, const Tensor& h0, const Tensor& c0) {
  if (!input.is_defined())
    throw std::invalid_argument(std::string(ops::mode_name(op_mode(mode_))) + ": the PackedSequence is empty");
  Run r = run_packed(input.data(), input.batch_size_list(), reorder_batch(h0, input.sorted_indices()),
                     reorder_batch(c0, input.sorted_indices()));
  r.h_n = reorder_batch(r.h_n, input.unsorted_indices());
  r.c_n = reorder_batch(r.c_n, input.unsorted_indices());
  return r;
}

}  // namespace detail

namespace {
int rnn_mode(RNNNonlinearity n) {
  return static_cast<int>(n == RNNNonlinearity::ReLU ? ops::RecurrentMode::RnnRelu : ops::RecurrentMode::RnnTanh);
}
}  // namespace

RNNImpl::RNNImpl(const RNNOptions& o)
    : RecurrentBase(rnn_mode(o.nonlinearity()), o.input_size(), o.hidden_size(), o.num_layers(), o.bias(), o.batch_first(),
                    o.dropout(), o.bidirectional()),
      options(o) {}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, const Tensor& hx) {
  bool unbatched = false;
  Run r = run_padded(input, hx, Tensor(), &unbatched);
  return {r.output, r.h_n};
}

std::tuple<PackedSequence, Tensor> RNNImpl::forward_with_packed_input(const PackedSequence& input, const Tensor& hx) {
  Run r = run_sequence(input, hx, Tensor());
  return {input.with_data(r.output), r.h_n};
}

LSTMImpl::LSTMImpl(const LSTMOptions& o)
    : RecurrentBase(static_cast<int>(ops::RecurrentMode::Lstm), o.input_size(), o.hidden_size(), o.num_layers(), o.bias(),
                    o.batch_first(), o.dropout(), o.bidirectional()),
      options(o) {}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTMImpl::forward(const Tensor& input,
                                                                 std::optional<std::tuple<Tensor, Tensor>> hx) {
  bool unbatched = false;
  Run r = hx ? run_padded(input, std::get<0>(*hx), std::get<1>(*hx), &unbatched) : run_padded(input, {}, {}, &unbatched);
  return {r.output, {r.h_n, r.c_n}};
}

std::tuple<PackedSequence, std::tuple<Tensor, Tensor>> LSTMImpl::forward_with_packed_input(
    const PackedSequence& input, std::optional<std::tuple<Tensor, Tensor>> hx) {
  Run r = hx ? run_sequence(input, std::get<0>(*hx), std::get<1>(*hx)) : run_sequence(input, {}, {});
  return {input.with_data(r.output), {r.h_n, r.c_n}};
}

GRUImpl::GRUImpl(const GRUOptions& o)
    : RecurrentBase(static_cast<int>(ops::RecurrentMode::Gru), o.input_size(), o.hidden_size(), o.num_layers(), o.bias(),
                    o.batch_first(), o.dropout(), o.bidirectional()),
      options(o) {}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, const Tensor& hx) {
  bool unbatched = false;
  Run r = run_padded(input, hx, Tensor(), &unbatched);
  return {r.output, r.h_n};
}

std::tuple<PackedSequence, Tensor> GRUImpl::forward_with_packed_input(const PackedSequence& input, const Tensor& hx) {
  Run r = run_sequence(input, hx, Tensor());
  return {input.with_data(r.output), r.h_n};
}

}  // namespace ag::nn
