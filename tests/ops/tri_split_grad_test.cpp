// tril / triu, split / chunk, and gradient checks of the other ops a GPT
// block leans on: softmax on every dim, dropout on a 4-D tensor.
#include "ops/gradcheck_util.h"

using ag::Tensor;
using ag::TensorList;
using agtest::leaf;
namespace F = ag::nn::functional;

TEST(Tri, ValuesForEveryDiagonal) {
  Tensor m = ag::arange(1, 13).reshape({3, 4});
  EXPECT_TRUE(m.tril().equal(ag::tensor({{1, 0, 0, 0}, {5, 6, 0, 0}, {9, 10, 11, 0}})));
  EXPECT_TRUE(m.triu().equal(ag::tensor({{1, 2, 3, 4}, {0, 6, 7, 8}, {0, 0, 11, 12}})));
  EXPECT_TRUE(ag::tril(m, 1).equal(ag::tensor({{1, 2, 0, 0}, {5, 6, 7, 0}, {9, 10, 11, 12}})));
  EXPECT_TRUE(ag::triu(m, -1).equal(ag::tensor({{1, 2, 3, 4}, {5, 6, 7, 8}, {0, 10, 11, 12}})));
  EXPECT_TRUE(m.tril(-3).equal(ag::zeros({3, 4}, ag::kInt64)));
  // Batched, and bool (the causal mask of a GPT).
  Tensor ones = ag::ones({2, 3, 3}, ag::kBool);
  Tensor causal = ones.tril();
  EXPECT_EQ(causal.dtype(), ag::kBool);
  EXPECT_EQ(causal.to(ag::kInt64).sum().item(), 12.0);
  EXPECT_TRUE(causal.index({1}).equal(ag::arange(0, 3).unsqueeze(1) >= ag::arange(0, 3).unsqueeze(0)));
  EXPECT_THROW(ag::tril(ag::ones({3})), std::invalid_argument);
}

TEST(TriGrad, Gradcheck) {
  auto a = leaf({2, 3, 4}, 91);
  for (int64_t k : {-1, 0, 2}) {
    EXPECT_GRADCHECK([k](const TensorList& x) { return x[0].tril(k); }, {a});
    EXPECT_GRADCHECK([k](const TensorList& x) { return ag::triu(x[0], k); }, {a});
  }
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].transpose(0, 2).tril(); }, {a});  // strided input
}

TEST(Split, PiecesAreViews) {
  Tensor t = ag::arange(0, 10).reshape({5, 2});
  auto p = t.split(2);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].sizes(), (ag::Dims{2, 2}));
  EXPECT_EQ(p[2].sizes(), (ag::Dims{1, 2}));
  EXPECT_TRUE(p[2].equal(ag::tensor({{8, 9}})));
  EXPECT_EQ(p[1].data_ptr(), t.index({2}).data_ptr());  // a view, not a copy
  auto q = ag::split(t, {1, 4}, 0);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_TRUE(q[1].equal(t.narrow(0, 1, 4)));
  auto cols = t.split(1, 1);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_TRUE(cols[1].equal(ag::tensor({{1}, {3}, {5}, {7}, {9}})));
  EXPECT_EQ(t.split_with_sizes({2, 0, 3}).size(), 3u);
  EXPECT_THROW(t.split({2, 2}), std::invalid_argument);
  EXPECT_THROW(t.split(0), std::invalid_argument);
  EXPECT_THROW(t.split({-1, 6}), std::invalid_argument);
}

TEST(Chunk, SizesAsPyTorch) {
  auto sizes = [](const std::vector<Tensor>& v) {
    std::vector<int64_t> s;
    for (auto& t : v) s.push_back(t.size(0));
    return s;
  };
  EXPECT_EQ(sizes(ag::chunk(ag::ones({10}), 3)), (std::vector<int64_t>{4, 4, 2}));
  EXPECT_EQ(sizes(ag::ones({6}).chunk(4)), (std::vector<int64_t>{2, 2, 2}));  // fewer than asked, as PyTorch
  EXPECT_EQ(sizes(ag::ones({2}).chunk(5)), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(sizes(ag::ones({0}).chunk(3)), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(ag::ones({2, 12}).chunk(3, -1)[2].sizes(), (ag::Dims{2, 4}));
  EXPECT_THROW(ag::ones({4}).chunk(0), std::invalid_argument);
}

TEST(SplitGrad, Gradcheck) {
  auto a = leaf({5, 6}, 92);
  // Every piece takes part, with a different weight, so a gradient routed to the wrong slice shows.
  EXPECT_GRADCHECK([](const TensorList& x) {
    auto p = x[0].split(2);
    return ag::cat({p[0] * 1.0, p[1] * 2.0, p[2] * 3.0}, 0);
  }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) {
    auto p = x[0].split({1, 3, 2}, 1);
    return p[2].sum(1) * 2.0 + p[0].squeeze(1) - p[1].mean(1);
  }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) {
    auto p = x[0].chunk(3, -1);  // the q, k, v split of a fused projection
    return ag::matmul(p[0], p[1].t()) + p[2].sum();
  }, {a});
}

TEST(GptOpsGrad, SoftmaxOnEveryDimAndDropout4d) {
  auto a = leaf({2, 3, 4}, 93);
  for (int64_t d : {0, 1, 2, -1}) {
    EXPECT_GRADCHECK([d](const TensorList& x) { return F::softmax(x[0], d); }, {a});
    EXPECT_GRADCHECK([d](const TensorList& x) { return F::log_softmax(x[0], d); }, {a});
  }
  // softmax along dim 1 sums to one along dim 1.
  EXPECT_TRUE(F::softmax(a, 1).detach().sum(1).allclose(ag::ones({2, 4}, ag::kFloat64), 1e-12, 1e-12));
  auto b = leaf({2, 2, 3, 2}, 94);
  EXPECT_GRADCHECK([](const TensorList& x) {
    ag::manual_seed(17);
    return F::dropout(x[0].transpose(1, 3), 0.3, true);
  }, {b});
  ag::manual_seed(17);
  Tensor y = F::dropout(ag::ones({4, 5, 6, 7}), 0.5, true);
  EXPECT_EQ(y.sizes(), (ag::Dims{4, 5, 6, 7}));
  double kept = (y != 0.0).to(ag::kFloat64).mean().item();
  EXPECT_NEAR(kept, 0.5, 0.06);
}
