// ag::data::FashionMNIST: Zalando's Fashion-MNIST (MNIST layout) from IDX files on disk.
#pragma once
#include <array>
#include <memory>
#include <string>

#include "ag/arg.h"
#include "ag/data/dataset.h"
#include "ag/data/idx.h"

namespace ag::data {

/// How MNIST-layout images are presented: `MnistOptions().flatten(true)`.
class MnistOptions {
  /// Images as [784] (for an MLP) instead of torchvision's ToTensor layout [1, 28, 28].
  AG_ARG(bool, flatten) = false;
};

/// torchvision.datasets.FashionMNIST with transforms.ToTensor(): sample i is {image, label},
/// image float32 pixel/255 in [0, 1] shaped [1, 28, 28] (or [784] with flatten), label an
/// int64 scalar in 0..9. The pixels stay in memory as the file's uint8 bytes (47 MB for the
/// training set rather than 188 MB as float) and are converted as each batch is assembled:
/// get_batch writes straight into the batch tensor.
class FashionMNIST : public Dataset {
 public:
  /// Where Debian's dataset-fashion-mnist package installs the files.
  static constexpr const char* kDefaultRoot = "/usr/share/datasets/fashion-mnist";
  /// Class names, by label.
  static constexpr std::array<const char*, 10> kClasses = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

  /// Reads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] from `root`. A missing folder or
  /// file is an error that names it and the Debian package that provides it.
  explicit FashionMNIST(const std::string& root = kDefaultRoot, bool train = true, MnistOptions options = {});
  /// From an idx3 uint8 image file [N, H, W] and an idx1 uint8 label file [N] (any MNIST-layout pair).
  static FashionMNIST from_files(const std::string& images_path, const std::string& labels_path, MnistOptions options = {});

  int64_t size() const override { return data_->count; }
  Example<> get(int64_t index) const override;
  Example<> get_batch(std::span<const int64_t> indices) const override;

  int64_t height() const { return data_->height; }
  int64_t width() const { return data_->width; }
  /// The raw pixels: uint8, [N, H, W] row-major.
  const uint8_t* pixels() const { return data_->images.data.get(); }
  /// The raw labels: uint8, [N].
  const uint8_t* labels() const { return data_->labels.data.get(); }

 private:
  struct Data {
    IdxArray images, labels;
    int64_t count = 0, height = 0, width = 0;
  };
  FashionMNIST(std::shared_ptr<const Data> data, MnistOptions options) : data_(std::move(data)), options_(options) {}

  std::shared_ptr<const Data> data_;
  MnistOptions options_;
};

}  // namespace ag::data
