// libtorch's transforms: Normalize, Stack, Lambda, TensorLambda, BatchLambda.
#include <gtest/gtest.h>

#include "ag/ag.h"
#include "ag/data.h"

namespace torch = ag;
using torch::data::Example;
namespace transforms = torch::data::transforms;

TEST(Normalize, ScalarStatisticsPerValue) {
  transforms::Normalize<> normalize(0.5, 2.0);
  Example<> ex{torch::tensor({{{1.f, 2.f}, {3.f, 4.f}}}), torch::tensor(int64_t{7})};
  Example<> out = normalize.apply(ex);
  // (x - 0.5) / 2 by hand.
  EXPECT_TRUE(out.data.allclose(torch::tensor({{{0.25f, 0.75f}, {1.25f, 1.75f}}})));
  EXPECT_EQ(out.data.sizes(), torch::Dims({1, 2, 2}));
  EXPECT_EQ(out.data.dtype(), torch::kFloat32);
  EXPECT_EQ(out.target.item<int64_t>(), 7);  // the target passes through
}

TEST(Normalize, PerChannelStatistics) {
  transforms::Normalize<> normalize({1.0, 2.0}, {1.0, 4.0});
  // Two channels of 1x2: channel 0 minus 1, channel 1 minus 2 then divided by 4.
  torch::Tensor in = torch::tensor({{{1.f, 3.f}}, {{6.f, 10.f}}});
  torch::Tensor out = normalize(in);
  EXPECT_TRUE(out.allclose(torch::tensor({{{0.f, 2.f}}, {{1.f, 2.f}}})));
  // Applied over a batch (a list of examples), each example is normalised.
  std::vector<Example<>> batch = {{in, torch::tensor(int64_t{0})}, {in * 2, torch::tensor(int64_t{1})}};
  auto mapped = normalize.apply_batch(batch);
  ASSERT_EQ(mapped.size(), 2u);
  EXPECT_TRUE(mapped[1].data.allclose(torch::tensor({{{1.f, 5.f}}, {{2.5f, 4.5f}}})));
  EXPECT_EQ(mapped[1].target.item<int64_t>(), 1);
}

TEST(Normalize, RefusesBadStatistics) {
  EXPECT_THROW(transforms::Normalize<>(0.0, 0.0), std::invalid_argument);
  EXPECT_THROW(transforms::Normalize<>({0.1, 0.2, 0.3}, {1.0, 2.0}), std::invalid_argument);
  EXPECT_THROW(transforms::Normalize<>(std::vector<double>{}, std::vector<double>{}), std::invalid_argument);
}

TEST(Stack, StacksDataAndTarget) {
  std::vector<Example<>> batch;
  for (int i = 0; i < 3; ++i)
    batch.push_back({torch::full({1, 2, 2}, static_cast<double>(i)), torch::tensor(static_cast<int64_t>(10 + i))});
  Example<> stacked = transforms::Stack<>().apply_batch(batch);
  ASSERT_EQ(stacked.data.sizes(), torch::Dims({3, 1, 2, 2}));
  ASSERT_EQ(stacked.target.sizes(), torch::Dims({3}));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(stacked.data[i].equal(torch::full({1, 2, 2}, static_cast<double>(i))));
    EXPECT_EQ(stacked.target[i].item<int64_t>(), 10 + i);
  }
  batch[1].data = torch::zeros({2, 2});
  EXPECT_THROW(transforms::Stack<>().apply_batch(batch), std::invalid_argument);

  std::vector<torch::data::TensorExample> plain = {torch::tensor({1.f, 2.f}), torch::tensor({3.f, 4.f})};
  torch::data::TensorExample s = transforms::Stack<torch::data::TensorExample>().apply_batch(plain);
  EXPECT_TRUE(s.data.equal(torch::tensor({{1.f, 2.f}, {3.f, 4.f}})));
}

TEST(Lambda, PerExampleAndPerBatch) {
  transforms::Lambda<Example<>> twice([](Example<> e) { return Example<>{e.data * 2, e.target}; });
  auto out = twice.apply_batch({{torch::tensor({1.f}), torch::tensor(int64_t{3})}});
  EXPECT_TRUE(out.at(0).data.equal(torch::tensor({2.f})));
  EXPECT_EQ(out.at(0).target.item<int64_t>(), 3);

  transforms::TensorLambda<> plus_one([](torch::Tensor t) { return t + 1; });
  EXPECT_TRUE(plus_one.apply({torch::tensor({1.f}), torch::tensor(int64_t{0})}).data.equal(torch::tensor({2.f})));

  transforms::BatchLambda<std::vector<Example<>>, size_t> count([](std::vector<Example<>> b) { return b.size(); });
  EXPECT_EQ(count.apply_batch(std::vector<Example<>>(4)), 4u);
  EXPECT_THROW(transforms::Lambda<int>(nullptr), std::invalid_argument);
}
