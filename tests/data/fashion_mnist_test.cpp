// FashionMNIST: the installed dataset (Debian's dataset-fashion-mnist), small synthetic files,
// and the error for a missing folder.
#include <gtest/gtest.h>

#include <filesystem>

#include "ag/ag.h"
#include "ag/data.h"
#include "data/test_files.h"

using namespace ag;
using namespace ag::data;

// The tests that read the real data set skip, naming the package, when it is not installed.
#define REQUIRE_FASHION_MNIST()                                                              \
  do {                                                                                       \
    if (!std::filesystem::exists(FashionMNIST::kDefaultRoot))                                \
      GTEST_SKIP() << FashionMNIST::kDefaultRoot << " is absent: install the Debian package " \
                      "dataset-fashion-mnist (scripts/setup.sh does)";                       \
  } while (0)

// Reference values below were read from the files with an independent reader (Python's gzip).
TEST(FashionMNIST, TrainingSetMatchesTheFiles) {
  REQUIRE_FASHION_MNIST();
  FashionMNIST train;  // /usr/share/datasets/fashion-mnist, installed by scripts/setup.sh
  ASSERT_EQ(train.size(), 60000);
  Example<> first = train.get(0);
  EXPECT_EQ(first[0].sizes(), (Dims{1, 28, 28}));
  EXPECT_EQ(first[0].dtype(), kFloat32);
  EXPECT_EQ(first[1].dim(), 0);
  EXPECT_EQ(first[1].dtype(), kInt64);
  const std::vector<int64_t> labels = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
  for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(train.get(i)[1].item<int64_t>(), labels[static_cast<size_t>(i)]);
  // Image 0: pixel sum 76247, first nonzero pixels 1 at index 96 and 13 at index 99.
  Tensor flat = first[0].flatten();
  EXPECT_EQ(flat.index({96}).item<float>(), 1.0f / 255.0f);
  EXPECT_EQ(flat.index({99}).item<float>(), 13.0f / 255.0f);
  EXPECT_EQ(flat.index({95}).item<float>(), 0.0f);
  EXPECT_NEAR((flat * 255.0).sum().item<double>(), 76247.0, 0.05);
  EXPECT_LE(flat.max().item<float>(), 1.0f);
  FashionMNIST test(FashionMNIST::kDefaultRoot, /*train=*/false, MnistOptions().flatten(true));
  ASSERT_EQ(test.size(), 10000);
  EXPECT_EQ(test.get(0)[0].sizes(), (Dims{784}));
  EXPECT_EQ(test.get(1)[1].item<int64_t>(), 2);
  EXPECT_EQ(std::string(FashionMNIST::kClasses[9]), "Ankle boot");
}

TEST(FashionMNIST, BatchPathEqualsCollatedSamples) {
  REQUIRE_FASHION_MNIST();
  FashionMNIST train(FashionMNIST::kDefaultRoot, true, MnistOptions().flatten(true));
  const std::vector<int64_t> idx = {59999, 0, 123, 0};
  Example<> fast = train.get_batch(idx);
  std::vector<Example<>> samples;
  for (int64_t i : idx) samples.push_back(train.get(i));
  Example<> slow = default_collate(samples);
  EXPECT_EQ(fast[0].sizes(), (Dims{4, 784}));
  EXPECT_TRUE(fast[0].equal(slow[0]));
  EXPECT_TRUE(fast[1].equal(slow[1]));
  // Image 59999 has 580 zero pixels and pixel sum 16684.
  EXPECT_EQ((fast[0][0] == zeros({784})).to(kInt64).sum().item<int64_t>(), 580);
  EXPECT_NEAR((fast[0][0] * 255.0).sum().item<double>(), 16684.0, 0.05);
}

TEST(FashionMNIST, LoaderUsesTheBatchPath) {
  REQUIRE_FASHION_MNIST();
  FashionMNIST test(FashionMNIST::kDefaultRoot, false, MnistOptions().flatten(true));
  DataLoader loader(test, DataLoaderOptions(64).shuffle(true).seed(0));
  EXPECT_EQ(loader.size(), 157);
  int64_t samples = 0;
  for (auto& batch : loader) {
    EXPECT_EQ(batch[0].size(1), 784);
    samples += batch[1].size(0);
  }
  EXPECT_EQ(samples, 10000);
}

TEST(FashionMNIST, MissingFolderNamesThePackage) {
  try {
    FashionMNIST ds("/nonexistent/fashion-mnist");
    FAIL();
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("/nonexistent/fashion-mnist"), std::string::npos) << m;
    EXPECT_NE(m.find("dataset-fashion-mnist"), std::string::npos) << m;
  }
  ag_test::TempDir empty_dir;
  try {
    FashionMNIST ds(empty_dir.path().string(), false);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("t10k-images-idx3-ubyte"), std::string::npos) << e.what();
  }
}

TEST(FashionMNIST, SyntheticFilesAndTheirValidation) {
  ag_test::TempDir dir;
  std::string pixels;
  for (int i = 0; i < 3 * 2 * 2; ++i) pixels.push_back(static_cast<char>(i == 5 ? 255 : i));
  ag_test::write_bytes(dir.file("images"), ag_test::idx_bytes(0x08, {3, 2, 2}, pixels));
  ag_test::write_bytes(dir.file("labels"), ag_test::idx_bytes(0x08, {3}, std::string("\x01\x09\x00", 3)));
  ag_test::write_bytes(dir.file("labels-short"), ag_test::idx_bytes(0x08, {2}, std::string("\x01\x09", 2)));
  ag_test::write_bytes(dir.file("labels-bad"), ag_test::idx_bytes(0x08, {3}, std::string("\x01\x0a\x00", 3)));
  ag_test::write_bytes(dir.file("labels-i32"), ag_test::idx_bytes(0x0C, {3}, std::string(12, '\0')));
  FashionMNIST ds = FashionMNIST::from_files(dir.file("images"), dir.file("labels"));
  ASSERT_EQ(ds.size(), 3);
  EXPECT_EQ(ds.height(), 2);
  Example<> ex = ds.get(1);
  EXPECT_TRUE(ex[0].equal(tensor({{{4.f / 255, 1.f}, {6.f / 255, 7.f / 255}}})));
  EXPECT_EQ(ex[1].item<int64_t>(), 9);
  auto expect_error = [&](const std::string& labels, const std::string& fragment) {
    try {
      FashionMNIST::from_files(dir.file("images"), dir.file(labels));
      ADD_FAILURE() << labels << " accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_error("labels-short", "has 3 images but labels file");
  expect_error("labels-bad", "label 10 of sample 1 (byte 9)");
  expect_error("labels-i32", "non-uint8");
  const std::vector<int64_t> out_of_range = {3};
  EXPECT_THROW(ds.get_batch(out_of_range), std::out_of_range);
}
