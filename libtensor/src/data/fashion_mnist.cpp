// FashionMNIST: load and validate the IDX pair, convert uint8 pixels batch by batch.
#include "ag/data/fashion_mnist.h"

#include <filesystem>
#include <stdexcept>

namespace ag::data {

namespace {

constexpr int64_t kNumClasses = 10;

std::string pick_file(const std::string& root, const std::string& stem) {
  namespace fs = std::filesystem;
  for (const std::string& name : {stem + ".gz", stem}) {
    std::error_code ec;
    if (fs::exists(fs::path(root) / name, ec)) return (fs::path(root) / name).string();
  }
  throw std::runtime_error("FashionMNIST: folder '" + root + "' has neither " + stem + ".gz nor " + stem +
                           " (Debian's dataset-fashion-mnist package installs them in " + FashionMNIST::kDefaultRoot + ")");
}

}  // namespace

FashionMNIST::FashionMNIST(const std::string& root, bool train, MnistOptions options) : options_(options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    throw std::runtime_error("FashionMNIST: folder '" + root + "' does not exist; install Debian's dataset-fashion-mnist package "
                             "(apt-get install dataset-fashion-mnist), which puts the files in " + std::string(kDefaultRoot) +
                             ", or pass the folder that holds them");
  const std::string prefix = train ? "train" : "t10k";
  const std::string images = pick_file(root, prefix + "-images-idx3-ubyte");
  const std::string labels = pick_file(root, prefix + "-labels-idx1-ubyte");
  *this = from_files(images, labels, options);
}

FashionMNIST FashionMNIST::from_files(const std::string& images_path, const std::string& labels_path, MnistOptions options) {
  auto data = std::make_shared<Data>();
  data->images = read_idx(images_path);
  data->labels = read_idx(labels_path);
  const IdxArray& im = data->images;
  const IdxArray& lb = data->labels;
  if (im.type != IdxType::UInt8 || im.shape.size() != 3)
    throw std::runtime_error("FashionMNIST: images file '" + images_path + "' holds " + to_string(im.shape) +
                             (im.type != IdxType::UInt8 ? " of a non-uint8 type" : "") + "; expected uint8 [N, height, width]");
  if (lb.type != IdxType::UInt8 || lb.shape.size() != 1)
    throw std::runtime_error("FashionMNIST: labels file '" + labels_path + "' holds " + to_string(lb.shape) +
                             (lb.type != IdxType::UInt8 ? " of a non-uint8 type" : "") + "; expected uint8 [N]");
  if (im.shape[0] != lb.shape[0])
    throw std::runtime_error("FashionMNIST: images file '" + images_path + "' has " + std::to_string(im.shape[0]) + " images but labels file '" +
                             labels_path + "' has " + std::to_string(lb.shape[0]) + " labels");
  for (int64_t i = 0; i < lb.shape[0]; ++i)
    if (lb.data[static_cast<size_t>(i)] >= kNumClasses)
      throw std::runtime_error("FashionMNIST: labels file '" + labels_path + "': label " + std::to_string(lb.data[static_cast<size_t>(i)]) +
                               " of sample " + std::to_string(i) + " (byte " + std::to_string(8 + i) + ") is not a class index 0..9");
  data->count = im.shape[0];
  data->height = im.shape[1];
  data->width = im.shape[2];
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
  Tensor images = options_.flatten ? empty({b, pixels_per_image}) : empty({b, 1, data_->height, data_->width});
  Tensor labels = empty({b}, kInt64);
  float* dst = images.data_ptr<float>();
  int64_t* lab = labels.data_ptr<int64_t>();
  for (int64_t k = 0; k < b; ++k) {
    const int64_t i = indices[static_cast<size_t>(k)];
    check_index(i, data_->count, "FashionMNIST");
    const uint8_t* src = pixels() + i * pixels_per_image;
    float* out = dst + k * pixels_per_image;
    // torchvision's ToTensor: img.float().div(255), a true division (not a multiply by 1/255).
    for (int64_t j = 0; j < pixels_per_image; ++j) out[j] = static_cast<float>(src[j]) / 255.0f;
    lab[k] = data_->labels.data[static_cast<size_t>(i)];
  }
  return Example<>{images, labels};
}

}  // namespace ag::data
