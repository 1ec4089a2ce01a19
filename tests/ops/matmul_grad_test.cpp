// matmul: values against a plain loop, gradients for every operand form,
// and transposed operands going to BLAS without copies.
#include "ops/gradcheck_util.h"

using ag::Tensor;
using ag::TensorList;
using agtest::leaf;

namespace {
Tensor naive_mm(const Tensor& a, const Tensor& b) {
  auto out = ag::zeros({a.size(0), b.size(1)}, a.dtype());
  for (int64_t i = 0; i < a.size(0); ++i)
    for (int64_t j = 0; j < b.size(1); ++j) {
      double s = 0;
      for (int64_t k = 0; k < a.size(1); ++k) s += a.index({i, k}).item() * b.index({k, j}).item();
      out.index({i, j}).fill_(s);
    }
  return out;
}
}  // namespace

TEST(Matmul, ValuesForEveryLayout) {
  ag::manual_seed(3);
  auto a = ag::randn({5, 7}), b = ag::randn({7, 4});
  auto expect = naive_mm(a, b);
  EXPECT_TRUE(ag::matmul(a, b).allclose(expect, 1e-5, 1e-5));
  auto at = ag::randn({7, 5}).t(), bt = ag::randn({4, 7}).t();
  EXPECT_TRUE(ag::matmul(at, b).allclose(naive_mm(at, b), 1e-5, 1e-5));
  EXPECT_TRUE(ag::matmul(a, bt).allclose(naive_mm(a, bt), 1e-5, 1e-5));
  auto sliced = ag::randn({10, 7}).index({ag::Slice(0, 10, 2)});  // rows stride 14: copied, still right
  EXPECT_TRUE(ag::matmul(sliced, b).allclose(naive_mm(sliced, b), 1e-5, 1e-5));
}

TEST(Matmul, ShapesOfEveryForm) {
  EXPECT_EQ(ag::matmul(ag::ones({3}), ag::ones({3})).dim(), 0);
  EXPECT_EQ(ag::matmul(ag::ones({2, 3}), ag::ones({3})).sizes(), (ag::Dims{2}));
  EXPECT_EQ(ag::matmul(ag::ones({3}), ag::ones({3, 4})).sizes(), (ag::Dims{4}));
  EXPECT_EQ(ag::matmul(ag::ones({2, 5, 3}), ag::ones({3, 4})).sizes(), (ag::Dims{2, 5, 4}));
  EXPECT_EQ(ag::matmul(ag::ones({2, 5, 3}), ag::ones({2, 3, 4})).sizes(), (ag::Dims{2, 5, 4}));
  EXPECT_EQ(ag::matmul(ag::ones({5, 3}), ag::ones({6, 3, 4})).sizes(), (ag::Dims{6, 5, 4}));
  EXPECT_EQ(ag::matmul(ag::ones({2, 3}), ag::ones({3, 4})).index({0, 0}).item(), 3.0);
}

TEST(MatmulGrad, AllForms) {
  auto m23 = leaf({2, 3}, 41), m34 = leaf({3, 4}, 42), v3 = leaf({3}, 43), b253 = leaf({2, 5, 3}, 44),
       b234 = leaf({2, 3, 4}, 45), m53 = leaf({5, 3}, 46);
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0], x[1]); }, {m23, m34});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0], x[1]); }, {m23, v3});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0], x[1]); }, {v3, m34});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0], x[1]); }, {v3, v3.detach().clone().requires_grad_()});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0], x[1]); }, {b253, m34});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0], x[1]); }, {b253, b234});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0], x[1]); }, {m53, b234});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0].t(), x[1].t()); }, {m34.detach().clone().requires_grad_(), leaf({4, 3}, 47)});
}

TEST(MatmulErrors, NameBothShapes) {
  try {
    ag::matmul(ag::ones({2, 3}), ag::ones({4, 5}));
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("matmul"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
    EXPECT_NE(m.find("[4, 5]"), std::string::npos) << m;
  }
  EXPECT_THROW(ag::matmul(ag::ones({}), ag::ones({3})), std::invalid_argument);
  EXPECT_THROW(ag::matmul(ag::ones({3}), ag::ones({3}, ag::kFloat64)), std::invalid_argument);
}

TEST(Matmul, BroadcastBatchDims) {
  ag::manual_seed(8);
  auto a = ag::randn({2, 1, 3, 4}, ag::kFloat64), b = ag::randn({5, 4, 6}, ag::kFloat64);
  Tensor c = ag::matmul(a, b);
  ASSERT_EQ(c.sizes(), (ag::Dims{2, 5, 3, 6}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j)
      EXPECT_TRUE(c.index({i, j}).allclose(naive_mm(a.index({i, 0}), b.index({j})), 1e-12, 1e-12)) << i << " " << j;
  // Transposed and broadcast operands together.
  auto bt = ag::randn({5, 6, 4}, ag::kFloat64).transpose(-1, -2);
  EXPECT_TRUE(ag::matmul(a, bt).allclose(ag::matmul(a, bt.contiguous()), 1e-12, 1e-12));
}

TEST(MatmulGrad, BroadcastBatchDims) {
  auto a = leaf({2, 1, 3, 4}, 48), b = leaf({5, 4, 2}, 49), m = leaf({3, 4}, 50), c = leaf({1, 4, 2}, 51);
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0], x[1]); }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0], x[1]); }, {m, b});  // 2-D @ batched
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0], x[1]); }, {a, c});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::matmul(x[0], x[1].transpose(-1, -2)); },
                   {a, leaf({5, 2, 4}, 52)});
}

TEST(Bmm, ValuesGradAndErrors) {
  auto a = leaf({3, 2, 4}, 53), b = leaf({3, 4, 5}, 54);
  Tensor c = ag::bmm(a, b);
  ASSERT_EQ(c.sizes(), (ag::Dims{3, 2, 5}));
  for (int64_t i = 0; i < 3; ++i) EXPECT_TRUE(c.index({i}).allclose(naive_mm(a.index({i}), b.index({i})), 1e-12, 1e-12));
  EXPECT_TRUE(a.bmm(b).equal(c));
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::bmm(x[0], x[1]); }, {a, b});
  try {
    ag::bmm(ag::ones({2, 3}), ag::ones({3, 4}));
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("3-D"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ag::bmm(ag::ones({2, 2, 3}), ag::ones({1, 3, 4})), std::invalid_argument);
  EXPECT_THROW(ag::bmm(ag::ones({2, 2, 3}), ag::ones({2, 4, 4})), std::invalid_argument);
}
