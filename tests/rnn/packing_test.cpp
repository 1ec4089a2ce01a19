// Packed sequences: pack/pad values and round trips, sorting, gradients through
// them, the helpers for length-aware losses, and the property the packing exists
// for: a sequence gets the same output, final state and gradients whether it is
// run alone or padded beside longer ones.
#include "rnn/rnn_util.h"

namespace nn = ag::nn;
namespace rnn = ag::nn::utils::rnn;
using ag::Tensor;
using ag::TensorList;
using agtest::leaf;

TEST(Packing, PackPaddedSequenceLaysOutStepsLongestFirst) {
  // (B=3, T=3, 1), batch first; lengths 2, 3, 1: sorted order is 1, 0, 2.
  Tensor x = ag::tensor({{{1.}, {2.}, {0.}}, {{4.}, {5.}, {6.}}, {{7.}, {0.}, {0.}}});
  auto p = rnn::pack_padded_sequence(x, ag::tensor({2, 3, 1}), true, false);
  EXPECT_TRUE(p.data().equal(ag::tensor({{4.}, {1.}, {7.}, {5.}, {2.}, {6.}})));
  EXPECT_TRUE(p.batch_sizes().equal(ag::tensor({3, 2, 1})));
  EXPECT_TRUE(p.sorted_indices().equal(ag::tensor({1, 0, 2})));
  EXPECT_TRUE(p.unsorted_indices().equal(ag::tensor({1, 0, 2})));
  auto [padded, lengths] = rnn::pad_packed_sequence(p, true, -1.0, 4);
  EXPECT_TRUE(padded.equal(ag::tensor({{{1.}, {2.}, {-1.}, {-1.}}, {{4.}, {5.}, {6.}, {-1.}}, {{7.}, {-1.}, {-1.}, {-1.}}})));
  EXPECT_TRUE(lengths.equal(ag::tensor({2, 3, 1})));
  // Time-major, already sorted: no indices kept.
  auto q = rnn::pack_padded_sequence(x.transpose(0, 1).index({ag::Slice(), ag::Slice(1, 3)}), ag::tensor({3, 1}));
  EXPECT_FALSE(q.sorted_indices().defined());
  EXPECT_TRUE(q.data().equal(ag::tensor({{4.}, {7.}, {5.}, {6.}})));
  auto [tm, tl] = rnn::pad_packed_sequence(q);
  EXPECT_EQ(tm.sizes(), (ag::Dims{3, 2, 1}));
  EXPECT_TRUE(tl.equal(ag::tensor({3, 1})));
}

TEST(Packing, PackSequenceAndPadSequence) {
  TensorList seqs{ag::tensor({{1., 1.}, {2., 2.}}), ag::tensor({{3., 3.}}), ag::tensor({{4., 4.}, {5., 5.}, {6., 6.}})};
  auto p = rnn::pack_sequence(seqs, false);
  EXPECT_TRUE(p.batch_sizes().equal(ag::tensor({3, 2, 1})));
  auto [padded, lengths] = rnn::pad_packed_sequence(p, true);
  EXPECT_TRUE(padded.equal(rnn::pad_sequence(seqs, true)));
  EXPECT_TRUE(padded.equal(ag::data::pad_sequence(seqs, true)));
  EXPECT_TRUE(rnn::pad_sequence(seqs, false, 9).equal(ag::data::pad_sequence(seqs, false, 9)));
}

TEST(PackingGrad, Gradcheck) {
  Tensor x = leaf({3, 4, 2}, 31);
  EXPECT_GRADCHECK([](const TensorList& v) {
    return rnn::pack_padded_sequence(v[0], std::vector<int64_t>{2, 4, 1}, true, false).data();
  }, {x});
  EXPECT_GRADCHECK([](const TensorList& v) {
    auto p = rnn::pack_padded_sequence(v[0], std::vector<int64_t>{2, 4, 1}, true, false);
    return std::get<0>(rnn::pad_packed_sequence(p.with_data(p.data() * p.data()), false, 0.5));
  }, {x});
  Tensor a = leaf({2, 3}, 32), b = leaf({4, 3}, 33);
  EXPECT_GRADCHECK([](const TensorList& v) { return rnn::pack_sequence({v[0], v[1]}, false).data(); }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& v) { return rnn::pad_sequence({v[0], v[1]}, true, 2.0); }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& v) { return rnn::last_step(v[0], ag::tensor({2, 4, 1}), true); }, {x});
}

TEST(Packing, LastStepAndLengthMask) {
  Tensor out = ag::arange(12.0, ag::kFloat32).view({3, 4, 1});  // (B, T, 1)
  EXPECT_TRUE(rnn::last_step(out, ag::tensor({2, 4, 1}), true).equal(ag::tensor({{1.}, {7.}, {8.}})));
  EXPECT_TRUE(rnn::last_step(out.transpose(0, 1), ag::tensor({2, 4, 1})).equal(ag::tensor({{1.}, {7.}, {8.}})));
  EXPECT_TRUE(rnn::length_mask(ag::tensor({2, 3}), 4, true)
                  .equal(ag::tensor({{true, true, false, false}, {true, true, true, false}})));
  EXPECT_EQ(rnn::length_mask(ag::tensor({2, 3})).sizes(), (ag::Dims{3, 2}));
}

TEST(PackingErrors, SayWhatIsWrong) {
  using agtest::error_of;
  Tensor x = ag::zeros({3, 4, 2});
  EXPECT_EQ(error_of([&] { rnn::pack_padded_sequence(x, ag::tensor({2, 4, 1}), true); }),
            "pack_padded_sequence: `lengths` must be sorted in decreasing order when enforce_sorted is true; pass "
            "enforce_sorted=false to have the sequences sorted for you (lengths [2, 4, 1])");
  EXPECT_EQ(error_of([&] { rnn::pack_padded_sequence(x, ag::tensor({4, 0, 1}), true); }),
            "pack_padded_sequence: every length must be at least 1, got 0 for sequence 1");
  EXPECT_EQ(error_of([&] { rnn::pack_padded_sequence(x, ag::tensor({5, 1, 1}), true); }),
            "pack_padded_sequence: length 5 of sequence 0 is outside [1, 4] (input [3, 4, 2], batch_first)");
  EXPECT_EQ(error_of([&] { rnn::pack_padded_sequence(x, ag::tensor({4, 1}), true); }),
            "pack_padded_sequence: got 2 lengths for a batch of 3 sequences (input [3, 4, 2], batch_first)");
  EXPECT_EQ(error_of([&] { rnn::pack_padded_sequence(x, ag::tensor({4.0, 1.0, 1.0}), true); }),
            "pack_padded_sequence: lengths must be a 1-D int64 tensor, got float32 of shape [3]");
  auto p = rnn::pack_padded_sequence(x, ag::tensor({4, 2, 1}), true);
  EXPECT_EQ(error_of([&] { rnn::pad_packed_sequence(p, true, 0, 3); }),
            "pad_packed_sequence: expected total_length to be at least the longest length 4, got 3");
  EXPECT_EQ(error_of([] { rnn::PackedSequence(ag::zeros({5, 2}), ag::tensor({2, 3})); }),
            "PackedSequence: batch_sizes must be positive and non-increasing, got [2, 3]");
}

namespace {

// Runs sequence `k` of `x` (B, T, in) with `lengths` through `m`, either alone or in
// the whole padded, packed batch; returns its output rows, its final states and the
// gradients of its input and of the parameters, for a loss over its outputs only.
template <typename M>
TensorList one_sequence(M& m, const Tensor& x, const std::vector<int64_t>& lengths, int64_t k, bool alone) {
  m->zero_grad();
  Tensor leaf_x = x.detach().requires_grad_();
  Tensor input = alone ? leaf_x.narrow(0, k, 1).narrow(1, 0, lengths[k]) : leaf_x;
  std::vector<int64_t> lens = alone ? std::vector<int64_t>{lengths[k]} : lengths;
  const int64_t row = alone ? 0 : k;
  auto packed = rnn::pack_padded_sequence(input, lens, true, false);
  auto [out, state] = m->forward_with_packed_input(packed);
  Tensor padded = std::get<0>(rnn::pad_packed_sequence(out, true));
  Tensor mine = padded.select(0, row).narrow(0, 0, lengths[k]);
  TensorList r{mine};
  if constexpr (std::is_same_v<std::decay_t<decltype(state)>, Tensor>) {
    r.push_back(state.select(1, row));
  } else {
    r.push_back(std::get<0>(state).select(1, row));
    r.push_back(std::get<1>(state).select(1, row));
  }
  Tensor w = agtest::randn(mine.sizes(), 99, mine.dtype());
  Tensor loss = (mine * w).sum();
  for (size_t i = 1; i < r.size(); ++i) loss = loss + r[i].sum();
  loss.backward();
  r.push_back(leaf_x.grad().select(0, k).narrow(0, 0, lengths[k]));
  r.push_back(agtest::flat_grads(*m));
  return r;
}

}  // namespace

TEST(Packing, ASequenceIsTheSameAloneOrBesideLongerOnes) {
  const std::vector<int64_t> lengths{5, 2, 7, 3};
  for (ag::ScalarType dt : {ag::kFloat64, ag::kFloat32}) {
    const double tol = dt == ag::kFloat64 ? 1e-12 : 1e-6;
    Tensor x = agtest::randn({4, 7, 3}, 41, dt);
    auto check = [&](auto& m, const char* name) {
      m->to(dt);
      for (int64_t k : {1, 3}) {
        TensorList alone = one_sequence(m, x, lengths, k, true), batched = one_sequence(m, x, lengths, k, false);
        ASSERT_EQ(alone.size(), batched.size());
        for (size_t i = 0; i < alone.size(); ++i)
          EXPECT_LT(agtest::max_abs_diff(alone[i], batched[i]), tol) << name << " sequence " << k << " part " << i;
      }
    };
    nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true).batch_first(true));
    nn::GRU gru(nn::GRUOptions(3, 4).num_layers(2).bidirectional(true).batch_first(true));
    nn::RNN rnn_(nn::RNNOptions(3, 4).num_layers(2).bidirectional(true).batch_first(true));
    check(lstm, "LSTM");
    check(gru, "GRU");
    check(rnn_, "RNN");
  }
}
