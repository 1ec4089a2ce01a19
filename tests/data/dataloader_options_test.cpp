// DataLoaderOptions written as libtorch writes them.
#include <gtest/gtest.h>

#include "ag/data.h"

using namespace ag::data;

TEST(DataLoaderOptions, BuilderChainSetsAndGetters) {
  const auto o = DataLoaderOptions(64).workers(2).drop_last(true);
  EXPECT_EQ(o.batch_size(), 64);
  EXPECT_EQ(o.workers(), 2);
  EXPECT_EQ(o.num_workers(), 2);  // one setting, two names
  EXPECT_TRUE(o.drop_last());
  EXPECT_FALSE(o.shuffle());
  EXPECT_EQ(o.prefetch_factor(), 2);
  EXPECT_FALSE(o.seed().has_value());
  EXPECT_EQ(o.sampler(), nullptr);
  EXPECT_EQ(o.generator(), nullptr);

  const auto d = DataLoaderOptions().batch_size(32).shuffle(true).seed(7).num_workers(3).prefetch_factor(4);
  EXPECT_EQ(d.batch_size(), 32);
  EXPECT_TRUE(d.shuffle());
  EXPECT_EQ(d.seed(), 7u);
  EXPECT_EQ(d.workers(), 3);
  EXPECT_EQ(d.prefetch_factor(), 4);
  EXPECT_EQ(DataLoaderOptions().batch_size(), 1);

  DataLoaderOptions m;
  m.workers(5).batch_size(8);  // lvalue setters chain on the object itself
  m.drop_last() = true;
  EXPECT_EQ(m.num_workers(), 5);
  EXPECT_EQ(m.batch_size(), 8);
  EXPECT_TRUE(m.drop_last());
  auto sampler = std::make_shared<SequentialSampler>(3);
  m.sampler(sampler);
  EXPECT_EQ(m.sampler(), sampler);
}

TEST(DataLoaderOptions, LoaderReadsThem) {
  TensorDataset ds(ag::arange(10.0));
  DataLoader loader(ds, DataLoaderOptions(4).drop_last(true).workers(1));
  EXPECT_EQ(loader.size(), 2);
  int batches = 0;
  for (auto& b : loader) {
    EXPECT_EQ(b[0].size(0), 4);
    ++batches;
  }
  EXPECT_EQ(batches, 2);
}
