// Gradient checks for binary ops, including broadcasting and strided views.
#include "ops/gradcheck_util.h"

using ag::Tensor;
using ag::TensorList;
using agtest::leaf;

TEST(BinaryGrad, AddSubMulDivSameShape) {
  auto a = leaf({3, 4}, 1), b = leaf({3, 4}, 2, 0.5, 2);
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] + x[1]; }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::add(x[0], x[1], 2.5); }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] - x[1]; }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::sub(x[0], x[1], 0.5); }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] * x[1]; }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] / x[1]; }, {a, b});
}

TEST(BinaryGrad, Broadcasting) {
  auto a = leaf({2, 3, 4}, 3), row = leaf({4}, 4, 0.5, 2), col = leaf({3, 1}, 5, 0.5, 2), s = leaf({}, 6, 0.5, 2);
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] + x[1]; }, {a, row});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] * x[1]; }, {a, col});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] / x[1]; }, {a, col});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[1] - x[0]; }, {a, s});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] * x[1]; }, {row, col});
}

TEST(BinaryGrad, StridedViews) {
  auto a = leaf({4, 3}, 7), b = leaf({3, 4}, 8, 0.5, 2);
  // Transposed and sliced operands: non-contiguous inputs to the kernels.
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].t() * x[1]; }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0].index({ag::Slice(0, 4, 2)}) / x[1].t().index({ag::Slice(1, 3)}); }, {a, b});
}

TEST(BinaryGrad, PowMaximumMinimumWhere) {
  auto a = leaf({3, 3}, 9, 0.5, 2), b = leaf({3, 3}, 10, -1, 2);
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::pow(x[0], x[1]); }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::maximum(x[0], x[1]); }, {a, b});
  EXPECT_GRADCHECK([](const TensorList& x) { return ag::minimum(x[0], x[1]); }, {a, b});
  auto mask = ag::tensor({{true, false, true}, {false, true, false}, {true, true, false}});
  EXPECT_GRADCHECK([mask](const TensorList& x) { return ag::where(mask, x[0], x[1]); }, {a, b});
  auto row = leaf({3}, 11);
  EXPECT_GRADCHECK([mask](const TensorList& x) { return ag::where(mask, x[0], x[1]); }, {a, row});
}

TEST(BinaryGrad, ScalarForms) {
  auto a = leaf({2, 3}, 12, 0.5, 2);
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] + 2.0; }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return 3.0 - x[0]; }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] * 1.5; }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] / 4.0; }, {a});
  EXPECT_GRADCHECK([](const TensorList& x) { return 2.0 / x[0]; }, {a});
}

TEST(BinaryGrad, SameTensorTwiceAccumulates) {
  auto a = leaf({5}, 13);
  EXPECT_GRADCHECK([](const TensorList& x) { return x[0] * x[0] + x[0]; }, {a});
}
