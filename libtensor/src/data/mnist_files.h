// Reading the MNIST layout (an idx3 uint8 image file and an idx1 uint8 label file), shared by
// FashionMNIST and datasets::MNIST so both validate and convert the same way; `what` names
// the dataset in error messages.
#pragma once
#include <cstdint>
#include <string>

#include "ag/data/idx.h"

namespace ag::data::detail {

/// root/<stem>.gz, else root/<stem>; throws naming the folder and both file names. `hint`
/// is appended to the message (where to get the files).
std::string mnist_file(const std::string& root, const std::string& stem, const std::string& what, const std::string& hint);

/// The validated pair: images uint8 [N, H, W], labels uint8 [N] in 0..9, N equal.
struct MnistArrays {
  IdxArray images, labels;
  int64_t count = 0, height = 0, width = 0;
};
MnistArrays read_mnist_arrays(const std::string& images_path, const std::string& labels_path, const std::string& what);

/// torchvision's ToTensor on pixels: float(p) / 255, a true division (not a multiply by 1/255).
inline void pixels_to_unit_float(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t j = 0; j < n; ++j) dst[j] = static_cast<float>(src[j]) / 255.0f;
}

}  // namespace ag::data::detail
