// libtorch's Stack: collates a batch (a list of examples) into one example of stacked tensors.
#pragma once
#include <vector>

#include "ag/data/collate.h"
#include "ag/data/example.h"
#include "ag/data/transforms/base.h"
#include "ag/tensor.h"

namespace ag::data::transforms {

/// Stack<E>: a batch transform from std::vector<E> to one E; defined for Example<> and
/// TensorExample, as in libtorch.
template <typename E = Example<>>
struct Stack;

/// Stacks data and target (and any further fields) along a new dim 0: default_collate, whose
/// errors name the example and field that do not match.
template <>
struct Stack<Example<>> : public BatchTransform<std::vector<Example<>>, Example<>> {
  Example<> apply_batch(std::vector<Example<>> examples) override { return default_collate(examples); }
};

/// Stacks the data of target-less examples along a new dim 0.
template <>
struct Stack<TensorExample> : public BatchTransform<std::vector<TensorExample>, TensorExample> {
  TensorExample apply_batch(std::vector<TensorExample> examples) override {
    std::vector<Example<>> fields;
    fields.reserve(examples.size());
    for (TensorExample& e : examples) fields.push_back(Example<>{std::move(e.data)});
    return TensorExample(default_collate(fields).data);
  }
};

}  // namespace ag::data::transforms
