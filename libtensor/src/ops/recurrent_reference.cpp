// The recurrent layer step by step with the ordinary differentiable ops: PyTorch's
// cell formulas read directly, with autograd doing the backward. Slow (a graph of a
// dozen nodes per step) but plain, which is what the fused path is checked against.
#include "ag/nn/functional.h"
#include "ops/recurrent.h"

namespace ag::ops {

namespace {

// One step of `mode` on the active rows: (h', c').
std::pair<Tensor, Tensor> cell_step(RecurrentMode mode, const Tensor& xg, const Tensor& h, const Tensor& c,
                                    const RecurrentWeights& w) {
  const int64_t H = h.size(1);
  Tensor hg = nn::functional::linear(h, w.w_hh, w.b_hh);
  auto block = [H](const Tensor& t, int64_t k) { return t.narrow(1, k * H, H); };
  switch (mode) {
    case RecurrentMode::Lstm: {
      Tensor g = xg + hg;
      Tensor i = block(g, 0).sigmoid(), f = block(g, 1).sigmoid(), gg = block(g, 2).tanh(), o = block(g, 3).sigmoid();
      Tensor c2 = f * c + i * gg;
      return {o * c2.tanh(), c2};
    }
    case RecurrentMode::Gru: {
      Tensor r = (block(xg, 0) + block(hg, 0)).sigmoid();
      Tensor z = (block(xg, 1) + block(hg, 1)).sigmoid();
      Tensor n = (block(xg, 2) + r * block(hg, 2)).tanh();
      return {(1.0 - z) * n + z * h, Tensor()};
    }
    case RecurrentMode::RnnTanh: return {(xg + hg).tanh(), Tensor()};
    default: return {(xg + hg).relu(), Tensor()};
  }
}

}  // namespace

RecurrentResult recurrent_layer_reference(RecurrentMode mode, const Tensor& x, const std::vector<int64_t>& batch_sizes,
                                          const Tensor& h0, const Tensor& c0, const RecurrentWeights& w, bool reverse) {
  const int64_t T = static_cast<int64_t>(batch_sizes.size()), B = h0.size(0);
  std::vector<int64_t> offsets;
  int64_t rows = 0;
  for (int64_t b : batch_sizes) offsets.push_back(rows), rows += b;
  Tensor xg = nn::functional::linear(x, w.w_ih, w.b_ih);
  Tensor h = h0, c = c0;
  TensorList outputs(static_cast<size_t>(T));
  for (int64_t k = 0; k < T; ++k) {
    const int64_t t = reverse ? T - 1 - k : k, bs = batch_sizes[t];
    // Rows past bs have ended (forward) or not begun yet (reverse): their state stays.
    auto [h2, c2] = cell_step(mode, xg.narrow(0, offsets[t], bs), h.narrow(0, 0, bs),
                              c.defined() ? c.narrow(0, 0, bs) : Tensor(), w);
    outputs[t] = h2;
    h = bs == B ? h2 : cat({h2, h.narrow(0, bs, B - bs)}, 0);
    if (c2.defined()) c = bs == B ? c2 : cat({c2, c.narrow(0, bs, B - bs)}, 0);
  }
  return {cat(outputs, 0), h, mode == RecurrentMode::Lstm ? c : Tensor()};
}

}  // namespace ag::ops
