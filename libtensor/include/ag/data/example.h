// ag::data::Example: one sample, or one collated batch, as an ordered list of tensors.
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

/// One sample as an ordered list of fields, e.g. {image, label} (Python's tuple). After
/// collation the same type holds a batch: field i of the batch stacks field i of every sample
/// along a new dim 0. Read fields by position (`ex[0]`) or unpack a known count:
/// `auto [x, y] = batch.unpack<2>();`.
struct Example {
  std::vector<Tensor> fields;

  Example() = default;
  Example(std::initializer_list<Tensor> f) : fields(f) {}
  explicit Example(std::vector<Tensor> f) : fields(std::move(f)) {}

  /// Number of fields.
  size_t size() const { return fields.size(); }
  /// Field `i`; throws std::out_of_range naming the index and the field count.
  const Tensor& operator[](size_t i) const { return fields[check(i)]; }
  /// Field `i`; throws std::out_of_range naming the index and the field count.
  Tensor& operator[](size_t i) { return fields[check(i)]; }
  auto begin() const { return fields.begin(); }
  auto end() const { return fields.end(); }
  auto begin() { return fields.begin(); }
  auto end() { return fields.end(); }

  /// The fields as a fixed-size array, for structured bindings; throws unless there are exactly N.
  template <size_t N>
  std::array<Tensor, N> unpack() const {
    if (fields.size() != N)
      throw std::invalid_argument("Example::unpack<" + std::to_string(N) + ">: the example has " +
                                  std::to_string(fields.size()) + " fields");
    std::array<Tensor, N> out;
    for (size_t i = 0; i < N; ++i) out[i] = fields[i];
    return out;
  }

 private:
  size_t check(size_t i) const {
    if (i >= fields.size())
      throw std::out_of_range("Example: field " + std::to_string(i) + " requested but the example has " +
                              std::to_string(fields.size()) + " fields");
    return i;
  }
};

}  // namespace ag::data
