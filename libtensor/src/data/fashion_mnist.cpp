// FashionMNIST: load and validate the IDX pair, convert uint8 pixels batch by batch.
#include "ag/data/fashion_mnist.h"

#include "mnist_files.h"

#include <filesystem>
#include <stdexcept>

namespace ag::data {

FashionMNIST::FashionMNIST(const std::string& root, bool train, MnistOptions options) : options_(options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    throw std::runtime_error("FashionMNIST: folder '" + root + "' does not exist; install Debian's dataset-fashion-mnist package "
                             "(apt-get install dataset-fashion-mnist), which puts the files in " + std::string(kDefaultRoot) +
                             ", or pass the folder that holds them");
  const std::string prefix = train ? "train" : "t10k";
  const std::string hint = std::string(" (Debian's dataset-fashion-mnist package installs them in ") + kDefaultRoot + ")";
  const std::string images = detail::mnist_file(root, prefix + "-images-idx3-ubyte", "FashionMNIST", hint);
  const std::string labels = detail::mnist_file(root, prefix + "-labels-idx1-ubyte", "FashionMNIST", hint);
  *this = from_files(images, labels, options);
}

FashionMNIST FashionMNIST::from_files(const std::string& images_path, const std::string& labels_path, MnistOptions options) {
  detail::MnistArrays arrays = detail::read_mnist_arrays(images_path, labels_path, "FashionMNIST");
  auto data = std::make_shared<Data>();
  data->images = std::move(arrays.images);
  data->labels = std::move(arrays.labels);
  data->count = arrays.count;
  data->height = arrays.height;
  data->width = arrays.width;
  return FashionMNIST(std::move(data), options);
}

Example<> FashionMNIST::get(int64_t index) const {
  const int64_t one[1] = {index};
  Example<> batch = get_batch(one);
  return Example<>{batch[0].select(0, 0), batch[1].select(0, 0)};
}

Example<> FashionMNIST::get_batch(std::span<const int64_t> indices) const {
  const auto b = static_cast<int64_t>(indices.size());
  const int64_t pixels_per_image = data_->height * data_->width;
  Tensor images = options_.flatten() ? empty({b, pixels_per_image}) : empty({b, 1, data_->height, data_->width});
  Tensor labels = empty({b}, kInt64);
  float* dst = images.data_ptr<float>();
  int64_t* lab = labels.data_ptr<int64_t>();
  for (int64_t k = 0; k < b; ++k) {
    const int64_t i = indices[static_cast<size_t>(k)];
    check_index(i, data_->count, "FashionMNIST");
    const uint8_t* src = pixels() + i * pixels_per_image;
    float* out = dst + k * pixels_per_image;
    detail::pixels_to_unit_float(src, out, pixels_per_image);
    lab[k] = data_->labels.data[static_cast<size_t>(i)];
  }
  return Example<>{images, labels};
}

}  // namespace ag::data
