// ag::data::Example: one sample, or one collated batch, as libtorch spells it: `.data` and
// `.target`. Example<> (two tensors) is also the tensor list every map-style dataset returns.
#pragma once
#include <array>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ag/tensor.h"

namespace ag::data {

namespace example {
/// Target type of an Example that has no target (libtorch's example::NoTarget).
using NoTarget = void;
}  // namespace example

/// libtorch's Example<Data, Target>: a sample's input and its target, any types.
/// Example<> (Tensor, Tensor) is specialised below; Example<Data, NoTarget> holds data only.
template <typename Data = Tensor, typename Target = Tensor>
struct Example {
  using DataType = Data;
  using TargetType = Target;

  Example() = default;
  Example(Data data, Target target) : data(std::move(data)), target(std::move(target)) {}

  Data data;
  Target target;
};

/// An Example without a target (libtorch's Example<Data, example::NoTarget>).
template <typename Data>
struct Example<Data, example::NoTarget> {
  using DataType = Data;
  using TargetType = example::NoTarget;

  Example() = default;
  Example(Data data) : data(std::move(data)) {}  // NOLINT: implicit, as in libtorch

  Data data;
};

/// libtorch's TensorExample: one tensor, no target.
using TensorExample = Example<Tensor, example::NoTarget>;

/// Example<>: the sample type of every map-style dataset (ag::data::Dataset) and the batch the
/// default collation produces. It is libtorch's {data, target} pair, and also Python's tuple
/// of any length, because allgrad's datasets (TensorDataset(x, y, w), a one-tensor
/// TensorDataset) yield whatever number of tensors they were built from: field 0 is `data`,
/// field 1 is `target`, fields 2 and on are `more`. An undefined target with nothing in
/// `more` means a one-field example. After collation field i of the batch stacks field i of
/// every sample along a new dim 0. Read fields by name, by position (`ex[0]`), or unpack a
/// known count: `auto [x, y] = batch.unpack<2>();`.
template <>
struct Example<Tensor, Tensor> {
  using DataType = Tensor;
  using TargetType = Tensor;

  Example() = default;
  Example(Tensor data, Tensor target) : data(std::move(data)), target(std::move(target)) {}
  /// The fields in order; any count (0 fields is an empty example).
  Example(std::initializer_list<Tensor> fields) : Example(std::vector<Tensor>(fields)) {}
  explicit Example(std::vector<Tensor> fields) {
    if (!fields.empty()) data = std::move(fields[0]);
    if (fields.size() > 1) target = std::move(fields[1]);
    for (size_t i = 2; i < fields.size(); ++i) more.push_back(std::move(fields[i]));
  }

  Tensor data;
  Tensor target;
  /// Fields after the target (e.g. sequence lengths, sample weights).
  std::vector<Tensor> more;

  /// Number of fields (see the class comment for how an undefined target counts).
  size_t size() const {
    if (!more.empty() || target.defined()) return 2 + more.size();
    return data.defined() ? 1 : 0;
  }
  /// Field `i`; throws std::out_of_range naming the index and the field count.
  const Tensor& operator[](size_t i) const { return field(check(i)); }
  /// Field `i`; throws std::out_of_range naming the index and the field count.
  Tensor& operator[](size_t i) { return const_cast<Tensor&>(field(check(i))); }
  /// All fields in order, as a list.
  std::vector<Tensor> fields() const {
    std::vector<Tensor> out;
    out.reserve(size());
    for (size_t i = 0; i < size(); ++i) out.push_back(field(i));
    return out;
  }

  /// The fields as a fixed-size array, for structured bindings; throws unless there are exactly N.
  template <size_t N>
  std::array<Tensor, N> unpack() const {
    if (size() != N)
      throw std::invalid_argument("Example::unpack<" + std::to_string(N) + ">: the example has " + std::to_string(size()) +
                                  " fields");
    std::array<Tensor, N> out;
    for (size_t i = 0; i < N; ++i) out[i] = field(i);
    return out;
  }

 private:
  const Tensor& field(size_t i) const { return i == 0 ? data : i == 1 ? target : more[i - 2]; }
  size_t check(size_t i) const {
    if (i >= size())
      throw std::out_of_range("Example: field " + std::to_string(i) + " requested but the example has " + std::to_string(size()) +
                              " fields");
    return i;
  }
};

}  // namespace ag::data
