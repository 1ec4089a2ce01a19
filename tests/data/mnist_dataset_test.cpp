// datasets::MNIST on generated IDX files (plain and gzip) and, when installed, on Fashion-MNIST.
#include <gtest/gtest.h>

#include <filesystem>

#include "ag/ag.h"
#include "ag/data.h"
#include "test_files.h"

using namespace ag;
using ag::data::datasets::MNIST;

namespace {

constexpr int kSide = 28;

// Pixel j of image i; stays within a byte and differs between images.
uint8_t pixel(int i, int j) { return static_cast<uint8_t>((i * 37 + j * 11) % 256); }

// An MNIST-layout folder: `train` images in train-*, `test` images in t10k-*; labels i % 10.
void write_set(const ag_test::TempDir& dir, bool gzip, int train, int test) {
  for (auto [prefix, n] : {std::pair<std::string, int>{"train", train}, {"t10k", test}}) {
    std::string pixels, labels;
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < kSide * kSide; ++j) pixels.push_back(static_cast<char>(pixel(i, j)));
      labels.push_back(static_cast<char>((i + (prefix == "t10k" ? 3 : 0)) % 10));
    }
    const std::string im = ag_test::idx_bytes(0x08, {uint32_t(n), kSide, kSide}, pixels);
    const std::string lb = ag_test::idx_bytes(0x08, {uint32_t(n)}, labels);
    if (gzip) {
      ag_test::write_gzip(dir.file(prefix + "-images-idx3-ubyte.gz"), im);
      ag_test::write_gzip(dir.file(prefix + "-labels-idx1-ubyte.gz"), lb);
    } else {
      ag_test::write_bytes(dir.file(prefix + "-images-idx3-ubyte"), im);
      ag_test::write_bytes(dir.file(prefix + "-labels-idx1-ubyte"), lb);
    }
  }
}

void expect_sample(MNIST& ds, int i, int label) {
  auto ex = ds.get(static_cast<size_t>(i));
  ASSERT_EQ(ex.data.sizes(), Dims({1, kSide, kSide}));
  ASSERT_EQ(ex.data.dtype(), kFloat32);
  ASSERT_EQ(ex.target.dim(), 0);
  ASSERT_EQ(ex.target.dtype(), kInt64);
  EXPECT_EQ(ex.target.item<int64_t>(), label);
  const Tensor d = ex.data.contiguous();
  const float* p = d.data_ptr<float>();
  for (int j = 0; j < kSide * kSide; ++j) ASSERT_EQ(p[j], static_cast<float>(pixel(i, j)) / 255.0f) << "image " << i << " pixel " << j;
}

}  // namespace

TEST(MNIST, ReadsPlainAndGzipFiles) {
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    ag_test::TempDir dir;
    write_set(dir, gzip, 5, 2);
    MNIST train(dir.path().string());
    EXPECT_TRUE(train.is_train());
    ASSERT_EQ(train.size(), std::optional<size_t>(5));
    EXPECT_EQ(train.images().sizes(), Dims({5, 1, kSide, kSide}));
    EXPECT_EQ(train.targets().sizes(), Dims({5}));
    for (int i = 0; i < 5; ++i) expect_sample(train, i, i % 10);
    EXPECT_THROW(train.get(5), std::out_of_range);

    MNIST test(dir.path().string(), MNIST::Mode::kTest);
    EXPECT_FALSE(test.is_train());
    ASSERT_EQ(test.size().value(), 2u);
    for (int i = 0; i < 2; ++i) expect_sample(test, i, (i + 3) % 10);
  }
}

TEST(MNIST, MissingFilesAreNamed) {
  try {
    MNIST ds("/nonexistent/mnist");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/mnist"), std::string::npos) << e.what();
  }
  ag_test::TempDir dir;
  write_set(dir, false, 3, 1);
  std::filesystem::remove(dir.file("t10k-labels-idx1-ubyte"));
  EXPECT_NO_THROW(MNIST(dir.path().string(), MNIST::Mode::kTrain));
  try {
    MNIST ds(dir.path().string(), MNIST::Mode::kTest);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("t10k-labels-idx1-ubyte"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("MNIST"), std::string::npos) << e.what();
  }
}

TEST(MNIST, RealFashionMnistAgreesWithFashionMNIST) {
  const std::string root = data::FashionMNIST::kDefaultRoot;
  if (!std::filesystem::is_directory(root)) GTEST_SKIP() << root << " is not installed";
  MNIST test(root, MNIST::Mode::kTest);
  ASSERT_EQ(test.size().value(), 10000u);
  data::FashionMNIST reference(root, /*train=*/false);
  for (size_t i : {size_t{0}, size_t{1}, size_t{9999}}) {
    auto ex = test.get(i);
    auto ref = reference.get(static_cast<int64_t>(i));
    EXPECT_TRUE(ex.data.equal(ref[0])) << i;
    EXPECT_EQ(ex.target.item<int64_t>(), ref[1].item<int64_t>()) << i;
  }
  // Known values of the test split: the first two labels are 9 (Ankle boot) and 2 (Pullover).
  EXPECT_EQ(test.get(0).target.item<int64_t>(), 9);
  EXPECT_EQ(test.get(1).target.item<int64_t>(), 2);
  const double mean = test.images().mean().item<double>();
  EXPECT_GT(mean, 0.2);
  EXPECT_LT(mean, 0.4);
}
