// datasets::MNIST: the whole MNIST-layout split, converted to float once at load.
#include "ag/data/datasets/mnist.h"

#include <filesystem>
#include <stdexcept>

#include "mnist_files.h"

namespace ag::data::datasets {

MNIST::MNIST(const std::string& root, Mode mode) : train_(mode == Mode::kTrain) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    throw std::runtime_error("MNIST: folder '" + root + "' does not exist; pass the folder holding the MNIST-layout files "
                             "(train-images-idx3-ubyte, ..., plain or .gz)");
  const std::string prefix = train_ ? "train" : "t10k";
  const std::string images_path = detail::mnist_file(root, prefix + "-images-idx3-ubyte", "MNIST", "");
  const std::string labels_path = detail::mnist_file(root, prefix + "-labels-idx1-ubyte", "MNIST", "");
  const detail::MnistArrays a = detail::read_mnist_arrays(images_path, labels_path, "MNIST");
  images_ = empty({a.count, 1, a.height, a.width});
  detail::pixels_to_unit_float(a.images.data.get(), images_.data_ptr<float>(), a.count * a.height * a.width);
  targets_ = empty({a.count}, kInt64);
  int64_t* t = targets_.data_ptr<int64_t>();
  for (int64_t i = 0; i < a.count; ++i) t[i] = a.labels.data[static_cast<size_t>(i)];
}

Example<> MNIST::get(size_t index) {
  const int64_t n = images_.size(0);
  if (index >= static_cast<size_t>(n))
    throw std::out_of_range("MNIST: index " + std::to_string(index) + " is out of range for a dataset of " + std::to_string(n) +
                            " samples");
  const auto i = static_cast<int64_t>(index);
  return {images_.select(0, i), targets_.select(0, i)};
}

std::optional<size_t> MNIST::size() const { return static_cast<size_t>(images_.size(0)); }

}  // namespace ag::data::datasets
