// The cells: one step of the fused recurrent op over a batch whose sequences all
// have length one.
#include "ag/nn/rnn_cell.h"

#include <cmath>
#include <stdexcept>

#include "ag/nn/init.h"
#include "nn/python_repr.h"
#include "ops/recurrent.h"

namespace ag::nn {

namespace detail {

namespace {
ops::RecurrentMode op_mode(int mode) { return static_cast<ops::RecurrentMode>(mode); }
const char* cell_name(int mode) {
  switch (op_mode(mode)) {
    case ops::RecurrentMode::Lstm: return "LSTMCell";
    case ops::RecurrentMode::Gru: return "GRUCell";
    default: return "RNNCell";
  }
}
}  // namespace

RecurrentCellBase::RecurrentCellBase(int mode, int64_t input_size, int64_t hidden_size, bool bias)
    : mode_(mode), input_size_(input_size), hidden_size_(hidden_size) {
  if (input_size <= 0 || hidden_size <= 0)
    throw std::invalid_argument(std::string(cell_name(mode)) + ": input_size and hidden_size must be positive, got " +
                                std::to_string(input_size) + " and " + std::to_string(hidden_size));
  const int64_t G = ops::gate_count(op_mode(mode));
  weight_ih = register_parameter("weight_ih", empty({G * hidden_size, input_size}));
  weight_hh = register_parameter("weight_hh", empty({G * hidden_size, hidden_size}));
  bias_ih = register_parameter("bias_ih", bias ? empty({G * hidden_size}) : Tensor());
  bias_hh = register_parameter("bias_hh", bias ? empty({G * hidden_size}) : Tensor());
  reset_parameters();
}

void RecurrentCellBase::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size_));
  for (Tensor& p : parameters(false)) init::uniform_(p, -bound, bound);
}

std::string RecurrentCellBase::extra_repr() const {
  std::string s = std::to_string(input_size_) + ", " + std::to_string(hidden_size_);
  if (!bias_ih.defined()) s += ", bias=False";
  if (op_mode(mode_) == ops::RecurrentMode::RnnRelu) s += ", nonlinearity='relu'";
  return s;
}

std::tuple<Tensor, Tensor> RecurrentCellBase::step(const Tensor& input, const Tensor& h, const Tensor& c) {
  const char* who = cell_name(mode_);
  if (!input.defined() || (input.dim() != 1 && input.dim() != 2))
    throw std::invalid_argument(std::string(who) + ": Expected input to be 1D or 2D, got " +
                                (input.defined() ? std::to_string(input.dim()) + "D instead" : std::string("an undefined tensor")));
  if (input.size(-1) != input_size_)
    throw std::invalid_argument(std::string(who) + ": input has inconsistent input_size: got " + std::to_string(input.size(-1)) +
                                " expected " + std::to_string(input_size_));
  const bool unbatched = input.dim() == 1;
  Tensor x = unbatched ? input.unsqueeze(0) : input;
  const int64_t B = x.size(0);
  if (B == 0) throw std::invalid_argument(std::string(who) + ": the input batch is empty");
  const Dims state = unbatched ? Dims{hidden_size_} : Dims{B, hidden_size_};
  auto prepare = [&](const Tensor& s) {
    if (!s.defined()) return zeros({B, hidden_size_}, x.dtype());
    if (s.sizes() != state)
      throw std::invalid_argument(std::string(who) + ": expected hidden state of shape " + to_string(state) + ", got " +
                                  to_string(s.sizes()));
    return unbatched ? s.unsqueeze(0) : s;
  };
  const bool lstm = op_mode(mode_) == ops::RecurrentMode::Lstm;
  ops::RecurrentResult r = ops::recurrent_layer(op_mode(mode_), x, {B}, prepare(h), lstm ? prepare(c) : Tensor(),
                                                {weight_ih, weight_hh, bias_ih, bias_hh}, false);
  if (unbatched) return {r.h_n.squeeze(0), lstm ? r.c_n.squeeze(0) : Tensor()};
  return {r.h_n, r.c_n};
}

}  // namespace detail

namespace {
int rnn_mode(RNNNonlinearity n) {
  return static_cast<int>(n == RNNNonlinearity::ReLU ? ops::RecurrentMode::RnnRelu : ops::RecurrentMode::RnnTanh);
}
}  // namespace

RNNCellImpl::RNNCellImpl(const RNNCellOptions& o)
    : RecurrentCellBase(rnn_mode(o.nonlinearity()), o.input_size(), o.hidden_size(), o.bias()), options(o) {}

Tensor RNNCellImpl::forward(const Tensor& input, const Tensor& hx) { return std::get<0>(step(input, hx, Tensor())); }

LSTMCellImpl::LSTMCellImpl(const LSTMCellOptions& o)
    : RecurrentCellBase(static_cast<int>(ops::RecurrentMode::Lstm), o.input_size(), o.hidden_size(), o.bias()), options(o) {}

std::tuple<Tensor, Tensor> LSTMCellImpl::forward(const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx) {
  return hx ? step(input, std::get<0>(*hx), std::get<1>(*hx)) : step(input, Tensor(), Tensor());
}

GRUCellImpl::GRUCellImpl(const GRUCellOptions& o)
    : RecurrentCellBase(static_cast<int>(ops::RecurrentMode::Gru), o.input_size(), o.hidden_size(), o.bias()), options(o) {}

Tensor GRUCellImpl::forward(const Tensor& input, const Tensor& hx) { return std::get<0>(step(input, hx, Tensor())); }

}  // namespace ag::nn
