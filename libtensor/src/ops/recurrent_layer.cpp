// The fused recurrent layer (see ops/recurrent.h): forward runs the time loop over
// preallocated buffers, so a step allocates nothing; RecurrentLayerBackward walks
// the steps back with the activations forward left behind.
#include <cstdlib>
#include <cstring>

#include "kernels/blas_call.h"
#include "kernels/recurrent_gates.h"
#include "ops/op_util.h"
#include "ops/recurrent.h"

namespace ag::ops {

namespace {

namespace rk = kernels::recurrent;

// Where each step's rows start, and the order forward visits the steps in.
struct Steps {
  std::vector<int64_t> sizes, offsets;
  bool reverse = false;
  int64_t count() const { return static_cast<int64_t>(sizes.size()); }
  int64_t at(int64_t k) const { return reverse ? count() - 1 - k : k; }  // k-th step forward runs
};

[[noreturn]] void fail(RecurrentMode m, const std::string& msg) {
  throw std::invalid_argument(std::string(mode_name(m)) + ": " + msg);
}

Steps check_layer(RecurrentMode m, const Tensor& x, const std::vector<int64_t>& batch_sizes, const Tensor& h0,
                  const Tensor& c0, const RecurrentWeights& w) {
  for (const Tensor* t : {&x, &h0, &w.w_ih, &w.w_hh}) check_defined(*t, mode_name(m));
  const int64_t G = gate_count(m);
  if (w.w_hh.dim() != 2 || w.w_hh.size(0) != G * w.w_hh.size(1))
    fail(m, "weight_hh must be (" + std::to_string(G) + "*hidden_size, hidden_size), got " + to_string(w.w_hh.sizes()));
  const int64_t H = w.w_hh.size(1);
  if (x.dim() != 2) fail(m, "the packed input must be 2-D (rows, input_size), got " + to_string(x.sizes()));
  if (w.w_ih.dim() != 2 || w.w_ih.size(0) != G * H || w.w_ih.size(1) != x.size(1))
    fail(m, "weight_ih must be (" + std::to_string(G * H) + ", " + std::to_string(x.size(1)) + ") for input of shape " +
                to_string(x.sizes()) + ", got " + to_string(w.w_ih.sizes()));
  if (w.b_ih.defined() != w.b_hh.defined()) fail(m, "bias_ih and bias_hh must be both given or both left out");
  for (const Tensor* b : {&w.b_ih, &w.b_hh})
    if (b->defined() && (b->dim() != 1 || b->size(0) != G * H))
      fail(m, "biases must be vectors of " + std::to_string(G * H) + ", got " + to_string(b->sizes()));
  if (!x.is_floating_point()) fail(m, std::string("input must be floating point, got ") + dtype_name(x.dtype()));
  for (const Tensor* t : {&h0, &c0, &w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh})
    if (t->defined() && t->dtype() != x.dtype())
      fail(m, std::string("input, state and weights must share one dtype; input is ") + dtype_name(x.dtype()) + ", got " +
                  dtype_name(t->dtype()));
  Steps s;
  int64_t rows = 0, prev = -1;
  for (int64_t b : batch_sizes) {
    if (b <= 0 || (prev >= 0 && b > prev))
      fail(m, "batch_sizes must be positive and non-increasing, got " + to_string(Dims(batch_sizes.begin(), batch_sizes.end())));
    s.offsets.push_back(rows);
    rows += b;
    prev = b;
  }
  s.sizes = batch_sizes;
  if (rows != x.size(0))
    fail(m, "batch_sizes add up to " + std::to_string(rows) + " rows but the packed input has " + std::to_string(x.size(0)));
  const int64_t B = batch_sizes.empty() ? 0 : batch_sizes[0];
  const Dims state{B, H};
  if (h0.sizes() != state) fail(m, "expected hidden state of shape " + to_string(state) + ", got " + to_string(h0.sizes()));
  if (m == RecurrentMode::Lstm && (!c0.defined() || c0.sizes() != state))
    fail(m, "expected cell state of shape " + to_string(state) + ", got " + (c0.defined() ? to_string(c0.sizes()) : "none"));
  return s;
}

class RecurrentLayerBackward final : public autograd::Node {
 public:
  RecurrentMode mode;
  Steps steps;
  int64_t H = 0;
  bool bias = false;
  SavedTensor x, w_ih, w_hh;
  Tensor act, h_prev, c_prev, extra;  // written by forward, read here
  bool released = false;

  std::string name() const override { return "RecurrentLayerBackward"; }
  void release_variables() override {
    released = true;
    x = w_ih = w_hh = SavedTensor();
    act = h_prev = c_prev = extra = Tensor();
  }
  TensorList apply(TensorList&& grads) override;

 private:
  template <typename T>
  void walk_back(const Tensor& g_out, const Tensor& whh, const Tensor& dh, const Tensor& dc, const Tensor& dxg,
                 const Tensor& dhg) const;
};

template <typename T>
void RecurrentLayerBackward::walk_back(const Tensor& g_out, const Tensor& whh, const Tensor& dh, const Tensor& dc,
                                       const Tensor& dxg, const Tensor& dhg) const {
  const int64_t GH = gate_count(mode) * H;
  const T* go = g_out.defined() ? g_out.data_ptr<T>() : nullptr;
  T* pdh = dh.data_ptr<T>();
  for (int64_t k = steps.count() - 1; k >= 0; --k) {
    const int64_t t = steps.at(k), bs = steps.sizes[t], o = steps.offsets[t];
    if (go)
      for (int64_t i = 0; i < bs * H; ++i) pdh[i] += go[o * H + i];
    rk::StepGrad<T> s{bs,
                      H,
                      act.data_ptr<T>() + o * GH,
                      h_prev.data_ptr<T>() + o * H,
                      c_prev.defined() ? c_prev.data_ptr<T>() + o * H : nullptr,
                      extra.defined() ? extra.data_ptr<T>() + o * H : nullptr,
                      pdh,
                      dc.defined() ? dc.data_ptr<T>() : nullptr,
                      dxg.data_ptr<T>() + o * GH,
                      dhg.data_ptr<T>() + o * GH};
    switch (mode) {
      case RecurrentMode::Lstm: rk::lstm_backward(s); break;
      case RecurrentMode::Gru: rk::gru_backward(s); break;
      case RecurrentMode::RnnTanh: rk::rnn_backward(s, false); break;
      case RecurrentMode::RnnRelu: rk::rnn_backward(s, true); break;
    }
    // dh_prev += dgates·W_hh over the active rows.
    kernels::gemm_raw<T>(false, false, bs, H, GH, T(1), s.dhg, GH, whh.data_ptr<T>(), H, T(1), pdh, H);
  }
}

TensorList RecurrentLayerBackward::apply(TensorList&& grads) {
  if (released)
    throw std::runtime_error("Trying to backward through the graph a second time (" + name() +
                             "'s saved tensors were freed after the first backward). Pass retain_graph=true to "
                             "backward() the first time if you need to backward through it again.");
  grads.resize(3);
  const Tensor& xs = x.unpack(name());
  const Tensor& wih = w_ih.unpack(name());
  const Tensor whh = kernels::contiguous(w_hh.unpack(name()));
  const ScalarType dt = xs.dtype();
  const int64_t N = xs.size(0), in = xs.size(1), GH = gate_count(mode) * H, B = steps.sizes.empty() ? 0 : steps.sizes[0];
  const bool lstm = mode == RecurrentMode::Lstm, gru = mode == RecurrentMode::Gru;
  Tensor g_out = grads[0].defined() ? kernels::contiguous(grads[0]) : Tensor();
  Tensor dh = grads[1].defined() ? kernels::contiguous(grads[1], true) : zeros({B, H}, dt);
  Tensor dc = !lstm ? Tensor() : grads[2].defined() ? kernels::contiguous(grads[2], true) : zeros({B, H}, dt);
  Tensor dxg = detail::make_empty({N, GH}, dt);
  Tensor dhg = gru ? detail::make_empty({N, GH}, dt) : dxg;
  AG_DISPATCH_FLOATING(dt, "recurrent_layer_backward", [&] { walk_back<scalar_t>(g_out, whh, dh, dc, dxg, dhg); });

  auto needs = [&](size_t i) { return next_edges_[i].valid(); };
  TensorList out(7);
  if (needs(0)) {
    out[0] = detail::make_empty({N, in}, dt);
    kernels::gemm(dxg, wih, out[0]);
  }
  if (needs(1)) out[1] = dh;
  if (needs(2)) out[2] = dc;
  if (needs(3)) {
    out[3] = detail::make_empty({GH, in}, dt);
    kernels::gemm(dxg.t(), xs, out[3]);
  }
  if (needs(4)) {
    out[4] = detail::make_empty({GH, H}, dt);
    kernels::gemm(dhg.t(), h_prev, out[4]);
  }
  if (needs(5)) out[5] = kernels::reduce(dxg, {0}, false, kernels::ReduceOp::Sum);
  if (needs(6)) out[6] = kernels::reduce(dhg, {0}, false, kernels::ReduceOp::Sum);
  return out;
}

template <typename T>
void run_forward(RecurrentMode mode, const Steps& steps, int64_t H, const Tensor& x, const RecurrentWeights& w,
                 const Tensor& act, const Tensor& out, const Tensor& h, const Tensor& c, const Tensor& h_prev,
                 const Tensor& c_prev, const Tensor& extra) {
  const int64_t N = x.size(0), in = x.size(1), GH = gate_count(mode) * H, B = h.size(0);
  const bool gru = mode == RecurrentMode::Gru, bias = w.b_ih.defined();
  T* pa = act.data_ptr<T>();
  if (bias) {
    // Both biases go with the input projection, except GRU's b_hh (see recurrent_gates.h).
    Tensor bi = kernels::contiguous(w.b_ih), bh = kernels::contiguous(w.b_hh);
    const T *pbi = bi.data_ptr<T>(), *pbh = bh.data_ptr<T>();
    for (int64_t j = 0; j < GH; ++j) pa[j] = gru ? pbi[j] : pbi[j] + pbh[j];
    for (int64_t r = 1; r < N; ++r) std::memcpy(pa + r * GH, pa, static_cast<size_t>(GH) * sizeof(T));
  }
  Tensor wih = kernels::contiguous(w.w_ih), whh = kernels::contiguous(w.w_hh);
  kernels::gemm_raw<T>(false, true, N, GH, in, T(1), x.data_ptr<T>(), in, wih.data_ptr<T>(), in, bias ? T(1) : T(0), pa, GH);

  Tensor hg = detail::make_empty({B, GH}, x.dtype());
  Tensor bhh = gru && bias ? kernels::contiguous(w.b_hh) : Tensor();
  T* phg = hg.data_ptr<T>();
  for (int64_t k = 0; k < steps.count(); ++k) {
    const int64_t t = steps.at(k), bs = steps.sizes[t], o = steps.offsets[t];
    if (bhh.defined())
      for (int64_t r = 0; r < bs; ++r) std::memcpy(phg + r * GH, bhh.data_ptr<T>(), static_cast<size_t>(GH) * sizeof(T));
    kernels::gemm_raw<T>(false, true, bs, GH, H, T(1), h.data_ptr<T>(), H, whh.data_ptr<T>(), H,
                         bhh.defined() ? T(1) : T(0), phg, GH);
    rk::Step<T> s{bs,
                  H,
                  pa + o * GH,
                  phg,
                  h.data_ptr<T>(),
                  c.defined() ? c.data_ptr<T>() : nullptr,
                  out.data_ptr<T>() + o * H,
                  h_prev.data_ptr<T>() + o * H,
                  c_prev.defined() ? c_prev.data_ptr<T>() + o * H : nullptr,
                  extra.defined() ? extra.data_ptr<T>() + o * H : nullptr};
    switch (mode) {
      case RecurrentMode::Lstm: rk::lstm_forward(s); break;
      case RecurrentMode::Gru: rk::gru_forward(s); break;
      case RecurrentMode::RnnTanh: rk::rnn_forward(s, false); break;
      case RecurrentMode::RnnRelu: rk::rnn_forward(s, true); break;
    }
  }
}

}  // namespace

int64_t gate_count(RecurrentMode mode) {
  switch (mode) {
    case RecurrentMode::Lstm: return 4;
    case RecurrentMode::Gru: return 3;
    default: return 1;
  }
}

const char* mode_name(RecurrentMode mode) {
  switch (mode) {
    case RecurrentMode::Lstm: return "LSTM";
    case RecurrentMode::Gru: return "GRU";
    case RecurrentMode::RnnTanh: return "RNN_TANH";
    default: return "RNN_RELU";
  }
}

RecurrentResult recurrent_layer(RecurrentMode mode, const Tensor& x, const std::vector<int64_t>& batch_sizes,
                                const Tensor& h0, const Tensor& c0, const RecurrentWeights& w, bool reverse) {
  if (std::getenv("AG_RNN_REFERENCE")) return recurrent_layer_reference(mode, x, batch_sizes, h0, c0, w, reverse);
  Steps steps = check_layer(mode, x, batch_sizes, h0, c0, w);
  steps.reverse = reverse;
  const bool lstm = mode == RecurrentMode::Lstm, gru = mode == RecurrentMode::Gru;
  const int64_t N = x.size(0), H = w.w_hh.size(1), GH = gate_count(mode) * H;
  const ScalarType dt = x.dtype();
  Tensor xc = kernels::contiguous(x.detach());
  Tensor act = detail::make_empty({N, GH}, dt), out = detail::make_empty({N, H}, dt);
  Tensor h = kernels::contiguous(h0.detach(), true);
  Tensor c = lstm ? kernels::contiguous(c0.detach(), true) : Tensor();
  Tensor h_prev = detail::make_empty({N, H}, dt);
  Tensor c_prev = lstm ? detail::make_empty({N, H}, dt) : Tensor();
  Tensor extra = lstm || gru ? detail::make_empty({N, H}, dt) : Tensor();
  RecurrentWeights wd{w.w_ih.detach(), w.w_hh.detach(), w.b_ih.defined() ? w.b_ih.detach() : Tensor(),
                      w.b_hh.defined() ? w.b_hh.detach() : Tensor()};
  AG_DISPATCH_FLOATING(dt, mode_name(mode),
                       [&] { run_forward<scalar_t>(mode, steps, H, xc, wd, act, out, h, c, h_prev, c_prev, extra); });
  RecurrentResult r{out, h, c};
  const Tensor none;
  const Tensor& c0_in = lstm ? c0 : none;
  if (autograd::any_requires_grad({&x, &h0, &c0_in, &w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh})) {
    auto node = std::make_shared<RecurrentLayerBackward>();
    node->mode = mode;
    node->steps = steps;
    node->H = H;
    node->bias = w.b_ih.defined();
    node->x = SavedTensor(xc);
    node->w_ih = SavedTensor(w.w_ih);
    node->w_hh = SavedTensor(w.w_hh);
    node->act = act;
    node->h_prev = h_prev;
    node->c_prev = c_prev;
    node->extra = extra;
    for (const Tensor* t : {&x, &h0, &c0_in, &w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh})
      node->mutable_next_edges().push_back(t->defined() && t->requires_grad() ? autograd::gradient_edge(*t)
                                                                              : autograd::Edge{});
    autograd::set_history(r.output, node, 0);
    autograd::set_history(r.h_n, node, 1);
    if (lstm) autograd::set_history(r.c_n, node, 2);
  }
  return r;
}

}  // namespace ag::ops
