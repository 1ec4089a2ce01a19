// ag::data::datasets::MNIST: libtorch's MNIST dataset over an MNIST-layout folder.
#pragma once
#include <cstddef>
#include <optional>
#include <string>

#include "ag/data/datasets/base.h"
#include "ag/tensor.h"

namespace ag::data::datasets {

/// libtorch's datasets::MNIST: reads {train,t10k}-{images-idx3,labels-idx1}-ubyte from `root`,
/// each plain or gzip-compressed (so it reads MNIST and also Fashion-MNIST, e.g. Debian's
/// /usr/share/datasets/fashion-mnist). Sample i is {image float [1, 28, 28] in [0, 1] (pixel / 255),
/// label int64 scalar}. As in libtorch, all images are held as one float tensor; for the
/// training set that is 188 MB, where ag::data::FashionMNIST keeps the 47 MB of bytes instead.
class MNIST : public Dataset<MNIST> {
 public:
  /// Which half of the data: the 60000 training or the 10000 test samples for MNIST itself.
  enum class Mode { kTrain, kTest };

  /// A missing folder or file is an error naming it.
  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain);

  /// Sample `index` (a view into images() and targets()); throws std::out_of_range past the end.
  Example<> get(size_t index) override;
  std::optional<size_t> size() const override;
  /// True for Mode::kTrain.
  bool is_train() const noexcept { return train_; }
  /// All images, float [N, 1, H, W].
  const Tensor& images() const { return images_; }
  /// All labels, int64 [N].
  const Tensor& targets() const { return targets_; }

 private:
  Tensor images_, targets_;
  bool train_;
};

}  // namespace ag::data::datasets
