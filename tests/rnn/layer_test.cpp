// RNN, LSTM, GRU: parameter names and shapes, the fused path against the reference
// path (values and every gradient), float64 gradient checks (one and two
// directions, two layers, padded and packed), batch_first and unbatched inputs,
// loading PyTorch-named weights, and the errors.
#include "rnn/rnn_util.h"

namespace nn = ag::nn;
namespace rnn = ag::nn::utils::rnn;
using ag::Tensor;
using ag::TensorList;
using agtest::leaf;

namespace {

// The three layer types behind one call: (output, h_n, c_n) for a padded or packed input.
struct AnyLayer {
  std::shared_ptr<nn::detail::RecurrentBase> module;
  std::function<std::tuple<Tensor, Tensor, Tensor>(const Tensor&, const Tensor&, const Tensor&)> padded;
  std::function<std::tuple<Tensor, Tensor, Tensor>(const rnn::PackedSequence&, const Tensor&, const Tensor&)> packed;
};

AnyLayer make(const std::string& kind, int64_t in, int64_t H, int64_t layers, bool bi, bool batch_first = false) {
  AnyLayer a;
  if (kind == "lstm") {
    nn::LSTM m(nn::LSTMOptions(in, H).num_layers(layers).bidirectional(bi).batch_first(batch_first));
    a.module = m.ptr();
    a.padded = [m](const Tensor& x, const Tensor& h, const Tensor& c) mutable {
      auto [o, s] = h.defined() ? m(x, std::make_tuple(h, c)) : m(x);
      return std::make_tuple(o, std::get<0>(s), std::get<1>(s));
    };
    a.packed = [m](const rnn::PackedSequence& x, const Tensor& h, const Tensor& c) mutable {
      auto [o, s] = h.defined() ? m->forward_with_packed_input(x, std::make_tuple(h, c)) : m->forward_with_packed_input(x);
      return std::make_tuple(o.data(), std::get<0>(s), std::get<1>(s));
    };
    return a;
  }
  auto wrap = [&](auto m) {
    a.module = m.ptr();
    a.padded = [m](const Tensor& x, const Tensor& h, const Tensor&) mutable {
      auto [o, s] = m(x, h);
      return std::make_tuple(o, s, Tensor());
    };
    a.packed = [m](const rnn::PackedSequence& x, const Tensor& h, const Tensor&) mutable {
      auto [o, s] = m->forward_with_packed_input(x, h);
      return std::make_tuple(o.data(), s, Tensor());
    };
  };
  if (kind == "gru") wrap(nn::GRU(nn::GRUOptions(in, H).num_layers(layers).bidirectional(bi).batch_first(batch_first)));
  else
    wrap(nn::RNN(nn::RNNOptions(in, H).num_layers(layers).bidirectional(bi).batch_first(batch_first).nonlinearity(
        kind == "rnn_relu" ? ag::kReLU : ag::kTanh)));
  return a;
}

Tensor joined(const std::tuple<Tensor, Tensor, Tensor>& r) {
  TensorList parts{std::get<0>(r).flatten(), std::get<1>(r).flatten()};
  if (std::get<2>(r).defined()) parts.push_back(std::get<2>(r).flatten());
  return ag::cat(parts, 0);
}

const std::vector<std::string> kKinds{"lstm", "gru", "rnn_tanh", "rnn_relu"};

}  // namespace

TEST(RecurrentLayer, ParameterNamesAndShapesArePyTorchs) {
  nn::LSTM lstm(nn::LSTMOptions(3, 5).num_layers(2).bidirectional(true));
  std::vector<std::string> want;
  for (std::string l : {"_l0", "_l0_reverse", "_l1", "_l1_reverse"})
    for (std::string p : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) want.push_back(p + l);
  EXPECT_EQ(lstm->named_parameters().keys(), want);
  auto p = lstm->named_parameters();
  EXPECT_EQ(p["weight_ih_l0"].sizes(), (ag::Dims{20, 3}));
  EXPECT_EQ(p["weight_ih_l1_reverse"].sizes(), (ag::Dims{20, 10}));
  EXPECT_EQ(p["weight_hh_l1"].sizes(), (ag::Dims{20, 5}));
  EXPECT_EQ(nn::GRU(nn::GRUOptions(3, 5).bias(false))->named_parameters().keys(),
            (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0"}));
  EXPECT_EQ(nn::RNN(3, 5)->named_parameters()["weight_hh_l0"].sizes(), (ag::Dims{5, 5}));
  EXPECT_EQ(lstm->repr(), "LSTM(3, 5, num_layers=2, bidirectional=True)");
  // torch.manual_seed(0); nn.GRU(3, 4, num_layers=2, bidirectional=True)
  ag::manual_seed(0);
  nn::GRU gru(nn::GRUOptions(3, 4).num_layers(2).bidirectional(true));
  auto gp = gru->named_parameters();
  std::vector<double> w = agtest::values(gp["weight_ih_l0"].flatten().narrow(0, 0, 3));
  EXPECT_FLOAT_EQ(w[0], -0.003743410110473633);
  EXPECT_FLOAT_EQ(w[2], -0.4115225672721863);
  std::vector<double> b = agtest::values(gp["bias_hh_l1_reverse"].narrow(0, 10, 2));
  EXPECT_FLOAT_EQ(b[0], -0.47438162565231323);
  EXPECT_FLOAT_EQ(b[1], -0.4793305993080139);
}

// The fused layer against the step-by-step reference: outputs, final states and the
// gradients of the input, the initial states and every parameter.
TEST(RecurrentLayer, FusedPathEqualsReferencePath) {
  const std::vector<int64_t> lengths{3, 5, 1, 4};
  for (const std::string& kind : kKinds)
    for (ag::ScalarType dt : {ag::kFloat64, ag::kFloat32}) {
      SCOPED_TRACE(kind + (dt == ag::kFloat64 ? " float64" : " float32"));
      AnyLayer m = make(kind, 3, 4, 2, true, true);
      m.module->to(dt);
      Tensor x = agtest::randn({4, 5, 3}, 7, dt).requires_grad_();
      Tensor h = agtest::randn({4, 4, 4}, 8, dt).requires_grad_(), c = agtest::randn({4, 4, 4}, 9, dt).requires_grad_();
      Tensor seed = agtest::randn({4 * 5 * 8 + 2 * 64}, 10, dt);
      auto run = [&](bool reference) {
        std::unique_ptr<agtest::ReferencePath> ref;
        if (reference) ref = std::make_unique<agtest::ReferencePath>();
        m.module->zero_grad();
        x.mutable_grad().reset(), h.mutable_grad().reset(), c.mutable_grad().reset();
        Tensor out = joined(m.packed(rnn::pack_padded_sequence(x, lengths, true, false), h, kind == "lstm" ? c : Tensor()));
        (out * seed.narrow(0, 0, out.numel())).sum().backward();
        TensorList r{out, x.grad(), h.grad(), agtest::flat_grads(*m.module)};
        if (kind == "lstm") r.push_back(c.grad());
        return r;
      };
      TensorList fused = run(false), ref = run(true);
      const double tol = dt == ag::kFloat64 ? 1e-12 : 2e-5;
      const char* what[] = {"output", "grad x", "grad h0", "grad parameters", "grad c0"};
      for (size_t i = 0; i < fused.size(); ++i) EXPECT_LT(agtest::max_abs_diff(fused[i], ref[i]), tol) << what[i];
    }
}

TEST(RecurrentLayerGrad, GradcheckPaddedAndPacked) {
  for (const std::string& kind : kKinds)
    for (bool bi : {false, true}) {
      SCOPED_TRACE(kind + (bi ? " bidirectional" : ""));
      AnyLayer m = make(kind, 2, 2, 2, bi);
      m.module->to(ag::kFloat64);
      const int64_t D = bi ? 2 : 1;
      Tensor x = leaf({3, 2, 2}, 21), h = leaf({2 * D, 2, 2}, 22), c = leaf({2 * D, 2, 2}, 23);
      TensorList in{x, h, c};
      for (const Tensor& p : m.module->parameters()) in.push_back(p);
      const bool lstm = kind == "lstm";
      EXPECT_GRADCHECK([&](const TensorList& v) { return joined(m.padded(v[0], v[1], lstm ? v[2] : Tensor())); }, in);
      // Packed, lengths unsorted: sequence 1 is shorter than sequence 0 is not.
      Tensor xp = leaf({3, 3, 2}, 24), hp = leaf({2 * D, 3, 2}, 25), cp = leaf({2 * D, 3, 2}, 26);
      in[0] = xp, in[1] = hp, in[2] = cp;
      EXPECT_GRADCHECK([&](const TensorList& v) {
        return joined(m.packed(rnn::pack_padded_sequence(v[0], std::vector<int64_t>{2, 3, 1}, false, false), v[1],
                               lstm ? v[2] : Tensor()));
      }, in);
    }
}

TEST(RecurrentLayer, BatchFirstAndUnbatchedInputs) {
  ag::manual_seed(3);
  nn::GRU tm(nn::GRUOptions(3, 4).num_layers(2));
  nn::GRU bf(nn::GRUOptions(3, 4).num_layers(2).batch_first(true));
  bf->load_state_dict(tm->state_dict());
  Tensor x = agtest::randn({5, 2, 3}, 4, ag::kFloat32);
  auto [o1, h1] = tm(x);
  auto [o2, h2] = bf(x.transpose(0, 1));
  EXPECT_EQ(o1.sizes(), (ag::Dims{5, 2, 4}));
  EXPECT_EQ(o2.sizes(), (ag::Dims{2, 5, 4}));
  EXPECT_TRUE(o1.equal(o2.transpose(0, 1)));
  EXPECT_TRUE(h1.equal(h2));
  auto [o3, h3] = tm(x.select(1, 1));  // unbatched (T, in): state (L, H)
  EXPECT_EQ(h3.sizes(), (ag::Dims{2, 4}));
  EXPECT_LT(agtest::max_abs_diff(o3, o1.select(1, 1)), 1e-6);
  EXPECT_LT(agtest::max_abs_diff(h3, h1.select(1, 1)), 1e-6);
}

TEST(RecurrentLayer, DropoutBetweenLayersOnlyInTraining) {
  nn::LSTM m(nn::LSTMOptions(3, 4).num_layers(2).dropout(0.5));
  Tensor x = agtest::randn({6, 2, 3}, 5, ag::kFloat32);
  m->eval();
  auto [a, sa] = m(x);
  auto [b, sb] = m(x);
  EXPECT_TRUE(a.equal(b));
  m->train();
  auto [c, sc] = m(x);
  EXPECT_FALSE(a.equal(c));
  EXPECT_EQ(m->repr(), "LSTM(3, 4, num_layers=2, dropout=0.5)");
}

TEST(RecurrentLayer, LoadsWeightsByPyTorchsNames) {
  nn::LSTM m(nn::LSTMOptions(2, 3).bidirectional(true));
  ag::StateDict sd;
  int k = 0;
  for (auto& [name, p] : m->named_parameters()) sd.set_tensor(name, ag::full(p.sizes(), 0.1 * ++k));
  m->load_state_dict(sd);
  EXPECT_FLOAT_EQ(m->named_parameters()["bias_hh_l0_reverse"].sum().item<float>(), 12 * 0.8f);
  ag::StateDict wrong;
  wrong.set_tensor("weight_ih_l0", ag::zeros({12, 2}));
  EXPECT_NE(agtest::error_of([&] { m->load_state_dict(wrong); }).find("weight_hh_l0_reverse"), std::string::npos);
}

TEST(RecurrentLayerErrors, NameTheLayerAndTheShapes) {
  using agtest::error_of;
  nn::LSTM m(nn::LSTMOptions(3, 4).num_layers(2));
  EXPECT_EQ(error_of([&] { m(ag::ones({5, 2, 6})); }), "LSTM: input.size(-1) must be equal to input_size. Expected 3, got 6");
  EXPECT_EQ(error_of([&] { m(ag::ones({5, 2, 3}), std::make_tuple(ag::zeros({1, 2, 4}), ag::zeros({2, 2, 4}))); }),
            "LSTM: expected hidden size [2, 2, 4], got [1, 2, 4]");
  EXPECT_EQ(error_of([&] { m(ag::ones({5, 2, 3, 1})); }),
            "LSTM: expected input to be 2-D (unbatched) or 3-D, got 4-D input of shape [5, 2, 3, 1]");
  EXPECT_EQ(error_of([] { nn::GRU(nn::GRUOptions(3, 4).num_layers(0)); }), "GRU: num_layers must be at least 1, got 0");
  EXPECT_NE(error_of([] { nn::RNN(nn::RNNOptions(3, 4).dropout(1.5)); }).find("dropout should be a number in range [0, 1]"),
            std::string::npos);
}
