// libtorch's Lambda and BatchLambda: transforms made from a function.
#pragma once
#include <functional>
#include <stdexcept>
#include <utility>

#include "ag/data/transforms/base.h"

namespace ag::data::transforms {

/// A per-example transform calling `function` on each example of a batch.
template <typename Input, typename Output = Input>
class Lambda : public Transform<Input, Output> {
 public:
  using FunctionType = std::function<Output(Input)>;

  explicit Lambda(FunctionType function) : function_(std::move(function)) {
    if (!function_) throw std::invalid_argument("transforms::Lambda: the function is empty");
  }
  Output apply(Input input) override { return function_(std::move(input)); }

 private:
  FunctionType function_;
};

/// A batch transform calling `function` on the whole batch.
template <typename InputBatch, typename OutputBatch = InputBatch>
class BatchLambda : public BatchTransform<InputBatch, OutputBatch> {
 public:
  using FunctionType = std::function<OutputBatch(InputBatch)>;

  explicit BatchLambda(FunctionType function) : function_(std::move(function)) {
    if (!function_) throw std::invalid_argument("transforms::BatchLambda: the function is empty");
  }
  OutputBatch apply_batch(InputBatch input_batch) override { return function_(std::move(input_batch)); }

 private:
  FunctionType function_;
};

}  // namespace ag::data::transforms
