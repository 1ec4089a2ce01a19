// embedding: lookup values, gradients (repeated indices add up, padding_idx
// gets nothing), gradcheck, and the out-of-range error.
#include "layers/layers_util.h"

namespace F = ag::nn::functional;
using ag::Tensor;
using ag::TensorList;
using agtest::leaf;

TEST(Embedding, LooksUpRowsForAnyIndexShape) {
  Tensor w = ag::tensor({{0., 1.}, {10., 11.}, {20., 21.}});
  Tensor idx = ag::tensor({{2, 0}, {1, 2}});
  Tensor y = F::embedding(idx, w);
  EXPECT_EQ(y.sizes(), (ag::Dims{2, 2, 2}));
  EXPECT_TRUE(y.equal(ag::tensor({{{20., 21.}, {0., 1.}}, {{10., 11.}, {20., 21.}}})));
  EXPECT_TRUE(F::embedding(ag::tensor({1}).squeeze(), w).equal(ag::tensor({10., 11.})));
}

TEST(EmbeddingGrad, RepeatedIndicesAddAndPaddingGetsNone) {
  Tensor w = ag::zeros({4, 3}).requires_grad_();
  Tensor idx = ag::tensor({1, 3, 1, 0, 1});
  Tensor g = ag::arange(15.0).view({5, 3}).to(ag::kFloat32);
  F::embedding(idx, w, 0).backward(g);
  // Row 1 is read at positions 0, 2, 4; row 3 at 1; row 0 is padding.
  EXPECT_TRUE(w.grad().equal(ag::tensor({{0.f, 0.f, 0.f}, {18.f, 21.f, 24.f}, {0.f, 0.f, 0.f}, {3.f, 4.f, 5.f}})))
      << w.grad();
  w.mutable_grad().reset();
  F::embedding(idx, w, -1).backward(g);  // padding_idx -1 is row 3
  EXPECT_EQ(w.grad().index({3}).abs().sum().item(), 0.0);
  EXPECT_EQ(w.grad().index({0}).sum().item(), 9 + 10 + 11.0);
}

TEST(EmbeddingGrad, Gradcheck) {
  Tensor w = leaf({5, 3}, 51);
  Tensor idx = ag::tensor({{4, 0, 4}, {2, 2, 1}});
  EXPECT_GRADCHECK([&](const TensorList& in) { return F::embedding(idx, in[0]); }, {w});
  // padding_idx departs from the true derivative on purpose (its row is read but gets no gradient),
  // so the finite-difference check uses a padding row the indices never read.
  EXPECT_GRADCHECK([&](const TensorList& in) { return F::embedding(idx, in[0], 3); }, {w});
}

TEST(EmbeddingErrors, NameTheIndexAndTheTable) {
  using agtest::error_of;
  Tensor w = ag::ones({10, 3});
  EXPECT_EQ(error_of([&] { F::embedding(ag::tensor({3, 12}), w); }),
            "embedding: index 12 is out of range for a table of 10 rows (weight [10, 3])");
  EXPECT_EQ(error_of([&] { F::embedding(ag::tensor({-1}), w); }),
            "embedding: index -1 is out of range for a table of 10 rows (weight [10, 3])");
  EXPECT_EQ(error_of([&] { F::embedding(ag::tensor({1.0}), w); }),
            "embedding: expected int64 indices, got float32 indices of shape [1]");
  EXPECT_EQ(error_of([&] { F::embedding(ag::tensor({1}), w, 10); }),
            "embedding: padding_idx 10 must be within [-10, 10) for weight [10, 3]");
  EXPECT_NE(error_of([] { F::embedding(ag::tensor({1}), ag::ones({10})); }).find("2-D weight"), std::string::npos);
}
