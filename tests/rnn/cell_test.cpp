// RNNCell, LSTMCell, GRUCell: parameters and PyTorch's init, one step against the
// formulas written out with tensor ops, float64 gradient checks, and the errors.
#include "rnn/rnn_util.h"

namespace nn = ag::nn;
using ag::Tensor;
using ag::TensorList;
using agtest::leaf;

TEST(RecurrentCell, ParametersAndInitMatchPyTorch) {
  ag::manual_seed(0);
  nn::LSTMCell cell(3, 5);
  auto named = cell->named_parameters();
  ASSERT_EQ(named.size(), 4u);
  EXPECT_EQ(named.keys(), (std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}));
  EXPECT_EQ(cell->weight_ih.sizes(), (ag::Dims{20, 3}));
  EXPECT_EQ(cell->weight_hh.sizes(), (ag::Dims{20, 5}));
  EXPECT_EQ(cell->bias_hh.sizes(), (ag::Dims{20}));
  // torch.manual_seed(0); nn.LSTMCell(3, 5): weight_ih[:4], bias_hh[-2:].
  std::vector<double> w = agtest::values(cell->weight_ih.flatten().narrow(0, 0, 4));
  std::vector<double> want{-0.003348207799717784, 0.23990486562252045, -0.36807698011398315, -0.3291219472885132};
  for (size_t i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(w[i], want[i]);
  std::vector<double> b = agtest::values(cell->bias_hh.narrow(0, 18, 2));
  EXPECT_FLOAT_EQ(b[0], -0.26650047302246094);
  EXPECT_FLOAT_EQ(b[1], -0.009756951592862606);
  EXPECT_EQ(nn::GRUCell(nn::GRUCellOptions(3, 4).bias(false))->parameters().size(), 2u);
  EXPECT_EQ(nn::RNNCell(3, 4)->weight_ih.sizes(), (ag::Dims{4, 3}));
  EXPECT_EQ(cell->repr(), "LSTMCell(3, 5)");
  EXPECT_EQ(nn::RNNCell(nn::RNNCellOptions(3, 4).nonlinearity(ag::kReLU).bias(false))->repr(),
            "RNNCell(3, 4, bias=False, nonlinearity='relu')");
}

namespace {
Tensor block(const Tensor& t, int64_t k, int64_t H) { return t.narrow(1, k * H, H); }
}  // namespace

TEST(RecurrentCell, OneStepFollowsPyTorchsFormulas) {
  const int64_t H = 4;
  Tensor x = agtest::randn({3, 5}, 1), h = agtest::randn({3, H}, 2), c = agtest::randn({3, H}, 3);
  {
    nn::LSTMCell cell(5, H);
    cell->to(ag::kFloat64);
    auto [h2, c2] = cell(x, std::make_tuple(h, c));
    Tensor g = x.matmul(cell->weight_ih.t()) + cell->bias_ih + h.matmul(cell->weight_hh.t()) + cell->bias_hh;
    Tensor want_c = block(g, 1, H).sigmoid() * c + block(g, 0, H).sigmoid() * block(g, 2, H).tanh();
    EXPECT_LT(agtest::max_abs_diff(c2, want_c), 1e-14);
    EXPECT_LT(agtest::max_abs_diff(h2, block(g, 3, H).sigmoid() * want_c.tanh()), 1e-14);
  }
  {
    nn::GRUCell cell(5, H);
    cell->to(ag::kFloat64);
    Tensor gi = x.matmul(cell->weight_ih.t()) + cell->bias_ih, gh = h.matmul(cell->weight_hh.t()) + cell->bias_hh;
    Tensor r = (block(gi, 0, H) + block(gh, 0, H)).sigmoid(), z = (block(gi, 1, H) + block(gh, 1, H)).sigmoid();
    Tensor n = (block(gi, 2, H) + r * block(gh, 2, H)).tanh();
    EXPECT_LT(agtest::max_abs_diff(cell(x, h), (1.0 - z) * n + z * h), 1e-14);
  }
  for (auto nl : {ag::kTanh, ag::kReLU}) {
    nn::RNNCell cell(nn::RNNCellOptions(5, H).nonlinearity(nl));
    cell->to(ag::kFloat64);
    Tensor pre = x.matmul(cell->weight_ih.t()) + cell->bias_ih + h.matmul(cell->weight_hh.t()) + cell->bias_hh;
    EXPECT_LT(agtest::max_abs_diff(cell(x, h), nl == ag::kTanh ? pre.tanh() : pre.relu()), 1e-14);
  }
  // No state given: zeros. Unbatched input: a batch of one, squeezed.
  nn::LSTMCell cell(5, H);
  cell->to(ag::kFloat64);
  auto [h0, c0] = cell(x);
  auto [hz, cz] = cell(x, std::make_tuple(ag::zeros({3, H}, ag::kFloat64), ag::zeros({3, H}, ag::kFloat64)));
  EXPECT_TRUE(h0.equal(hz));
  auto [h1, c1] = cell(x[1]);
  EXPECT_EQ(h1.sizes(), (ag::Dims{H}));
  EXPECT_LT(agtest::max_abs_diff(h1, h0[1]), 1e-15);
}

TEST(RecurrentCellGrad, Gradcheck) {
  Tensor x = leaf({2, 3}, 11), h = leaf({2, 4}, 12), c = leaf({2, 4}, 13);
  for (bool bias : {true, false}) {
    nn::LSTMCell lstm(nn::LSTMCellOptions(3, 4).bias(bias));
    lstm->to(ag::kFloat64);
    TensorList in{x, h, c};
    for (const Tensor& p : lstm->parameters()) in.push_back(p);
    EXPECT_GRADCHECK([&](const TensorList& v) {
      auto [h2, c2] = lstm(v[0], std::make_tuple(v[1], v[2]));
      return ag::cat({h2, c2}, 1);
    }, in);

    nn::GRUCell gru(nn::GRUCellOptions(3, 4).bias(bias));
    gru->to(ag::kFloat64);
    in = {x, h};
    for (const Tensor& p : gru->parameters()) in.push_back(p);
    EXPECT_GRADCHECK([&](const TensorList& v) { return gru(v[0], v[1]); }, in);

    for (auto nl : {ag::kTanh, ag::kReLU}) {
      nn::RNNCell rnn(nn::RNNCellOptions(3, 4).bias(bias).nonlinearity(nl));
      rnn->to(ag::kFloat64);
      in = {x, h};
      for (const Tensor& p : rnn->parameters()) in.push_back(p);
      EXPECT_GRADCHECK([&](const TensorList& v) { return rnn(v[0], v[1]); }, in);
    }
  }
}

TEST(RecurrentCellErrors, NameTheCellAndTheShapes) {
  using agtest::error_of;
  nn::LSTMCell cell(3, 4);
  EXPECT_EQ(error_of([&] { cell(ag::ones({2, 5})); }), "LSTMCell: input has inconsistent input_size: got 5 expected 3");
  EXPECT_EQ(error_of([&] { cell(ag::ones({2, 3}), std::make_tuple(ag::zeros({2, 5}), ag::zeros({2, 4}))); }),
            "LSTMCell: expected hidden state of shape [2, 4], got [2, 5]");
  EXPECT_EQ(error_of([&] { nn::GRUCell(3, 4)(ag::ones({2, 2, 3})); }), "GRUCell: Expected input to be 1D or 2D, got 3D instead");
  EXPECT_EQ(error_of([&] { nn::RNNCell(3, 4)(ag::ones({2, 3}, ag::kFloat64)); }),
            "RNN_TANH: input, state and weights must share one dtype; input is float64, got float32");
}
