// libtorch's transform bases: BatchTransform (a whole batch in, a batch out) and Transform
// (one example in, one out, applied to each example of a batch).
#pragma once
#include <utility>
#include <vector>

namespace ag::data::transforms {

/// Turns an InputBatch into an OutputBatch; what MapDataset applies to each batch.
template <typename InputBatch, typename OutputBatch>
class BatchTransform {
 public:
  using InputBatchType = InputBatch;
  using OutputBatchType = OutputBatch;

  virtual ~BatchTransform() = default;
  virtual OutputBatch apply_batch(InputBatch input_batch) = 0;
};

/// Turns one Input into one Output; a batch (a list of examples) is mapped element by element.
template <typename Input, typename Output>
class Transform : public BatchTransform<std::vector<Input>, std::vector<Output>> {
 public:
  using InputType = Input;
  using OutputType = Output;

  virtual Output apply(Input input) = 0;

  std::vector<Output> apply_batch(std::vector<Input> input_batch) override {
    std::vector<Output> out;
    out.reserve(input_batch.size());
    for (Input& in : input_batch) out.push_back(apply(std::move(in)));
    return out;
  }
};

}  // namespace ag::data::transforms
