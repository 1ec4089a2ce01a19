// Example<>: libtorch's {data, target}, which is also a tuple of any length for allgrad's datasets.
#include <gtest/gtest.h>

#include <string>
#include <type_traits>

#include "ag/ag.h"
#include "ag/data.h"

using namespace ag;
using namespace ag::data;

TEST(Example, FieldsByNameAndPosition) {
  Tensor a = tensor({1.f}), b = tensor({2.f}), c = tensor({3.f});
  Example<> three{a, b, c};
  EXPECT_EQ(three.size(), 3u);
  EXPECT_TRUE(three.data.equal(a));
  EXPECT_TRUE(three.target.equal(b));
  ASSERT_EQ(three.more.size(), 1u);
  EXPECT_TRUE(three[2].equal(c));
  EXPECT_THROW(three[3], std::out_of_range);
  three[1] = c;  // writes through to the named field
  EXPECT_TRUE(three.target.equal(c));

  Example<> one{a};
  EXPECT_EQ(one.size(), 1u);
  EXPECT_FALSE(one.target.defined());
  EXPECT_THROW(one.unpack<2>(), std::invalid_argument);

  Example<> pair(a, b);
  auto [x, y] = pair.unpack<2>();
  EXPECT_TRUE(x.equal(a));
  EXPECT_TRUE(y.equal(b));
  EXPECT_EQ(Example<>().size(), 0u);
  EXPECT_EQ(pair.fields().size(), 2u);
}

TEST(Example, TensorDatasetFieldsBeyondTheTarget) {
  const Tensor ids = arange(3.0, dtype(kFloat64));
  TensorDataset ds(ids, ids * 10, ids * 100);
  Example<> ex = ds.get(2);
  EXPECT_EQ(ex.size(), 3u);
  EXPECT_EQ(ex.data.item<double>(), 2.0);
  EXPECT_EQ(ex.target.item<double>(), 20.0);
  EXPECT_EQ(ex.more.at(0).item<double>(), 200.0);
  const int64_t idx[] = {0, 2};
  Example<> batch = ds.get_batch(idx);
  ASSERT_EQ(batch.more.at(0).sizes(), Dims({2}));
  EXPECT_EQ(batch.more.at(0)[0].item<double>(), 0.0);
  EXPECT_EQ(batch.more.at(0)[1].item<double>(), 200.0);
}

TEST(Example, LibtorchShapes) {
  Example<int, std::string> generic(3, "three");
  EXPECT_EQ(generic.data, 3);
  EXPECT_EQ(generic.target, "three");
  TensorExample no_target(tensor({1.f}));
  EXPECT_TRUE(no_target.data.equal(tensor({1.f})));
  static_assert(std::is_same_v<TensorExample::TargetType, example::NoTarget>);
}
