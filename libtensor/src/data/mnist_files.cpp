// The MNIST layout: finding the files (plain or gzip) and validating the image/label pair.
#include "mnist_files.h"

#include <filesystem>
#include <stdexcept>

namespace ag::data::detail {

namespace {
constexpr int64_t kNumClasses = 10;
}  // namespace

std::string mnist_file(const std::string& root, const std::string& stem, const std::string& what, const std::string& hint) {
  namespace fs = std::filesystem;
  for (const std::string& name : {stem + ".gz", stem}) {
    std::error_code ec;
    if (fs::exists(fs::path(root) / name, ec)) return (fs::path(root) / name).string();
  }
  throw std::runtime_error(what + ": folder '" + root + "' has neither " + stem + ".gz nor " + stem + hint);
}

MnistArrays read_mnist_arrays(const std::string& images_path, const std::string& labels_path, const std::string& what) {
  MnistArrays a;
  a.images = read_idx(images_path);
  a.labels = read_idx(labels_path);
  const IdxArray& im = a.images;
  const IdxArray& lb = a.labels;
  if (im.type != IdxType::UInt8 || im.shape.size() != 3)
    throw std::runtime_error(what + ": images file '" + images_path + "' holds " + to_string(im.shape) +
                             (im.type != IdxType::UInt8 ? " of a non-uint8 type" : "") + "; expected uint8 [N, height, width]");
  if (lb.type != IdxType::UInt8 || lb.shape.size() != 1)
    throw std::runtime_error(what + ": labels file '" + labels_path + "' holds " + to_string(lb.shape) +
                             (lb.type != IdxType::UInt8 ? " of a non-uint8 type" : "") + "; expected uint8 [N]");
  if (im.shape[0] != lb.shape[0])
    throw std::runtime_error(what + ": images file '" + images_path + "' has " + std::to_string(im.shape[0]) + " images but labels file '" +
                             labels_path + "' has " + std::to_string(lb.shape[0]) + " labels");
  for (int64_t i = 0; i < lb.shape[0]; ++i)
    if (lb.data[static_cast<size_t>(i)] >= kNumClasses)
      throw std::runtime_error(what + ": labels file '" + labels_path + "': label " + std::to_string(lb.data[static_cast<size_t>(i)]) +
                               " of sample " + std::to_string(i) + " (byte " + std::to_string(8 + i) + ") is not a class index 0..9");
  a.count = im.shape[0];
  a.height = im.shape[1];
  a.width = im.shape[2];
  return a;
}

}  // namespace ag::data::detail
