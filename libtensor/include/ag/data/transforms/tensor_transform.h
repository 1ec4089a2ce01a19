// libtorch's tensor transforms: TensorTransform (a function of an example's data tensor, the
// target passing through), TensorLambda, and Normalize.
#pragma once
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ag/data/example.h"
#include "ag/data/transforms/base.h"
#include "ag/tensor.h"

namespace ag::data::transforms {

/// A per-example transform of `data`; the target (and, for Example<>, any further fields)
/// is passed through unchanged.
template <typename Target = Tensor>
class TensorTransform : public Transform<Example<Tensor, Target>, Example<Tensor, Target>> {
 public:
  using E = Example<Tensor, Target>;

  virtual Tensor operator()(Tensor input) = 0;

  E apply(E input) override {
    input.data = (*this)(std::move(input.data));
    return input;
  }
};

/// A TensorTransform made from a function of the data tensor.
template <typename Target = Tensor>
class TensorLambda : public TensorTransform<Target> {
 public:
  using FunctionType = std::function<Tensor(Tensor)>;

  explicit TensorLambda(FunctionType function) : function_(std::move(function)) {
    if (!function_) throw std::invalid_argument("transforms::TensorLambda: the function is empty");
  }
  Tensor operator()(Tensor input) override { return function_(std::move(input)); }

 private:
  FunctionType function_;
};

/// torchvision's Normalize as libtorch has it: data = (data - mean) / stddev, with one mean and
/// stddev per channel (dim 0 of a [C, H, W] example), or one of each for all values. The
/// statistics are float32 tensors shaped [C, 1, 1] and broadcast against the data, as in libtorch.
/// Departure: a zero stddev or mismatched channel counts are refused when the transform is built
/// (libtorch would fill the data with inf, or fail at the first batch).
template <typename Target = Tensor>
class Normalize : public TensorTransform<Target> {
 public:
  Normalize(double mean, double stddev) : Normalize(std::vector<double>{mean}, std::vector<double>{stddev}) {}
  Normalize(const std::vector<double>& mean, const std::vector<double>& stddev)
      : mean_(channel_stats(mean, "mean")), stddev_(channel_stats(stddev, "stddev")) {
    if (mean.size() != stddev.size() && mean.size() != 1 && stddev.size() != 1)
      throw std::invalid_argument("transforms::Normalize: mean has " + std::to_string(mean.size()) + " values but stddev has " +
                                  std::to_string(stddev.size()) + "; give one of each per channel");
    for (double s : stddev)
      if (s == 0) throw std::invalid_argument("transforms::Normalize: a stddev of 0 would divide by zero");
  }

  Tensor operator()(Tensor input) override { return (input - mean_) / stddev_; }

 private:
  static Tensor channel_stats(const std::vector<double>& values, const char* what) {
    if (values.empty()) throw std::invalid_argument(std::string("transforms::Normalize: ") + what + " is empty");
    std::vector<float> f(values.begin(), values.end());
    return from_vector(f, {static_cast<int64_t>(f.size()), 1, 1});
  }

  Tensor mean_, stddev_;
};

}  // namespace ag::data::transforms
