// The Tensor methods, factories and device names libtorch code uses.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "ag/ag.h"

using ag::Tensor;

TEST(Device, ParsesAndPrints) {
  EXPECT_EQ(ag::Device("cpu"), ag::Device(ag::kCPU));
  EXPECT_EQ(ag::Device("cuda:1").index(), 1);
  EXPECT_TRUE(ag::Device("cuda").is_cuda());
  EXPECT_EQ(ag::Device(ag::kCUDA, 0).str(), "cuda:0");
  EXPECT_THROW(ag::Device("gpu"), std::invalid_argument);
  EXPECT_THROW(ag::Device("cuda:x"), std::invalid_argument);
  EXPECT_FALSE(ag::cuda::is_available());
}

TEST(Device, CpuIsANoOpAndCudaIsRefused) {
  ag::Device device(ag::cuda::is_available() ? ag::kCUDA : ag::kCPU);
  Tensor x = ag::ones({2, 3});
  EXPECT_TRUE(x.to(device).is_same(x));
  EXPECT_EQ(x.device(), ag::Device(ag::kCPU));
  EXPECT_EQ(x.to(device, ag::kFloat64).dtype(), ag::kFloat64);
  EXPECT_EQ(ag::zeros({2}, device).sizes(), ag::Dims({2}));
  EXPECT_EQ(ag::randn({2, 2}, ag::TensorOptions().device(device).dtype(ag::kFloat64)).dtype(), ag::kFloat64);
  try {
    x.to(ag::kCUDA);
    FAIL() << "to(kCUDA) did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("CPU only"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ag::zeros({2}, ag::kCUDA), std::invalid_argument);
  EXPECT_THROW(ag::randn({2}, ag::Device("cuda:0")), std::invalid_argument);
  EXPECT_THROW(ag::randint(0, 5, {2}, ag::kCUDA), std::invalid_argument);
  ag::nn::Linear fc(2, 2);
  EXPECT_NO_THROW(fc->to(device));
  EXPECT_THROW(fc->to(ag::kCUDA), std::invalid_argument);
}

TEST(Factories, OneIntegerIsAOneDimensionalShape) {
  EXPECT_EQ(ag::zeros(3).sizes(), ag::Dims({3}));
  EXPECT_EQ(ag::ones(4, ag::kFloat64).dtype(), ag::kFloat64);
  EXPECT_EQ(ag::empty(2).sizes(), ag::Dims({2}));
  EXPECT_EQ(ag::randn(5).sizes(), ag::Dims({5}));
  EXPECT_EQ(ag::rand(5).sizes(), ag::Dims({5}));
  Tensor r = ag::randint(3, {100});
  EXPECT_GE(std::get<0>(r.min(0)).item<int64_t>(), 0);
  EXPECT_LE(std::get<0>(r.max(0)).item<int64_t>(), 2);
}

TEST(TensorMethods, SoftmaxAlongADim) {
  Tensor x = ag::tensor({{1., 2., 3.}, {0., 0., 0.}});
  EXPECT_TRUE(x.softmax(1).allclose(ag::nn::functional::softmax(x, 1)));
  EXPECT_TRUE(x.log_softmax(0).allclose(ag::nn::functional::log_softmax(x, 0)));
  EXPECT_NEAR(x.softmax(1).index({1, 0}).item(), 1.0 / 3, 1e-7);
  EXPECT_TRUE(ag::log_softmax(x, 1).exp().allclose(ag::softmax(x, 1)));
}

TEST(TensorMethods, MaskedFill) {
  Tensor x = ag::tensor({{1., 2.}, {3., 4.}});
  Tensor mask = ag::tensor({{true, false}, {false, true}});
  EXPECT_TRUE(x.masked_fill(mask, -1).equal(ag::tensor({{-1., 2.}, {3., -1.}})));
  // A mask over the last dim broadcasts over the rows.
  EXPECT_TRUE(x.masked_fill(ag::tensor({true, false}), 0).equal(ag::tensor({{0., 2.}, {0., 4.}})));
  Tensor w = x.clone().requires_grad_(true);
  w.masked_fill(mask, 7).sum().backward();
  EXPECT_TRUE(w.grad().equal(ag::tensor({{0., 1.}, {1., 0.}})));
  Tensor y = x.clone();
  y.masked_fill_(mask, 5);
  EXPECT_TRUE(y.equal(ag::tensor({{5., 2.}, {3., 5.}})));
  EXPECT_THROW(x.masked_fill(ag::ones({2, 2}), 0), std::invalid_argument);       // not bool
  EXPECT_THROW(x.masked_fill(ag::tensor({true, false, true}), 0), std::invalid_argument);  // shape
  EXPECT_THROW(w.masked_fill_(mask, 0), std::invalid_argument);                 // requires grad
}

TEST(TensorMethods, RandomFillsUseTheGlobalGenerator) {
  ag::manual_seed(7);
  Tensor a = ag::empty({1000}).uniform_(0.8, 1.0);
  ag::manual_seed(7);
  Tensor b = ag::empty({1000});
  ag::uniform_(b, 0.8, 1.0);
  EXPECT_TRUE(a.equal(b));
  EXPECT_GE(std::get<0>(a.min(0)).item(), 0.8);
  EXPECT_LT(std::get<0>(a.max(0)).item(), 1.0);
  ag::manual_seed(3);
  Tensor n = ag::empty({20000}).normal_(2, 0.5);
  EXPECT_NEAR(n.mean().item(), 2, 0.02);
  EXPECT_NEAR(n.std().item(), 0.5, 0.02);
}

TEST(TensorMethods, ViewsAndIntegerDims) {
  Tensor x = ag::arange(6., ag::kFloat32);
  EXPECT_EQ(x.view_as(ag::zeros({2, 3})).sizes(), ag::Dims({2, 3}));
  Tensor m = ag::tensor({{1., 5., 3.}, {4., 2., 6.}});
  EXPECT_TRUE(m.sum(1).equal(ag::tensor({9., 12.})));
  EXPECT_TRUE(m.sum(0, true).equal(ag::tensor({{5., 7., 9.}})));
  EXPECT_TRUE(m.mean(1).allclose(ag::tensor({3., 4.})));
}

TEST(TensorMethods, MaxAndMinAlongADimGiveValuesAndIndices) {
  Tensor m = ag::tensor({{1., 5., 5.}, {4., 2., 6.}});
  auto [values, indices] = m.max(1);
  EXPECT_TRUE(values.equal(ag::tensor({5., 6.})));
  EXPECT_TRUE(indices.equal(ag::tensor({1, 2})));  // the first of equal values
  auto [lo, at] = m.min(0, true);
  EXPECT_TRUE(lo.equal(ag::tensor({{1., 2., 5.}})));
  EXPECT_TRUE(at.equal(ag::tensor({{0, 1, 0}})));
  Tensor w = m.clone().requires_grad_(true);
  std::get<0>(w.max(1)).sum().backward();
  EXPECT_TRUE(w.grad().equal(ag::tensor({{0., 1., 0.}, {0., 0., 1.}})));
}

TEST(TensorMethods, InPlaceOnAConstHandleChangesTheSharedTensor) {
  Tensor w = ag::ones({3}).requires_grad_(true);
  (w * 2).sum().backward();
  w.grad().zero_();  // grad() is a const reference, as in libtorch
  EXPECT_TRUE(w.grad().equal(ag::zeros({3})));
  const Tensor c = ag::zeros({2});
  c.fill_(3).mul_(2);
  EXPECT_TRUE(c.equal(ag::full({2}, 6)));
}

TEST(TensorMethods, NormAllAny) {
  Tensor v = ag::tensor({3., -4.});
  EXPECT_DOUBLE_EQ(v.norm().item(), 5);
  EXPECT_DOUBLE_EQ(v.norm(1).item(), 7);
  EXPECT_NEAR(v.norm(3).item(), std::cbrt(27. + 64.), 1e-5);
  EXPECT_THROW(v.norm(-1), std::invalid_argument);
  EXPECT_TRUE(v.all().item<bool>());
  EXPECT_FALSE(ag::tensor({1., 0.}).all().item<bool>());
  EXPECT_TRUE(ag::tensor({1., 0.}).any().item<bool>());
  EXPECT_FALSE(ag::zeros({3}).any().item<bool>());
  EXPECT_TRUE(ag::tensor({1., 2.}).eq(ag::tensor({1., 2.})).all().item<bool>());
  EXPECT_EQ(v.all().dtype(), ag::kBool);
}

TEST(Factories, AnEmptyBraceIsStillAZeroDimensionalShape) {
  EXPECT_EQ(ag::zeros({}).dim(), 0);
  EXPECT_EQ(ag::zeros({}, ag::kInt64).numel(), 1);
  EXPECT_EQ(ag::randn({}).dim(), 0);
  EXPECT_EQ(ag::zeros({4}).sizes(), ag::Dims({4}));
  Tensor m = ag::ones({2, 3});
  EXPECT_EQ(m.sum({}).dim(), 0);  // all dims, not dim 0
  EXPECT_DOUBLE_EQ(m.sum({}).item(), 6);
  EXPECT_EQ(m.mean({}).dim(), 0);
}

TEST(Factories, FromBlobWithOptions) {
  float values[6] = {1, 2, 3, 4, 5, 6};
  Tensor t = ag::from_blob(values, {2, 3});
  EXPECT_EQ(t.dtype(), ag::kFloat32);
  values[4] = 50;  // shares the memory
  EXPECT_EQ(t.index({1, 1}).item<float>(), 50);
  double d[2] = {1, 2};
  EXPECT_EQ(ag::from_blob(d, {2}, ag::kFloat64).sum().item(), 3);
  EXPECT_EQ(ag::from_blob(d, {2}, ag::TensorOptions().dtype(ag::kFloat64)).sum().item(), 3);
  EXPECT_THROW(ag::from_blob(d, {2}, ag::kCUDA), std::invalid_argument);
}

TEST(TensorMethods, ReductionNodesHavePyTorchsNames) {
  Tensor x = ag::ones({2, 2}).requires_grad_(true);
  EXPECT_EQ(x.sum().grad_fn()->name(), "SumBackward0");
  EXPECT_EQ(x.sum(1).grad_fn()->name(), "SumBackward1");
  EXPECT_EQ(x.mean().grad_fn()->name(), "MeanBackward0");
  EXPECT_EQ(x.mean({0}).grad_fn()->name(), "MeanBackward1");
}
