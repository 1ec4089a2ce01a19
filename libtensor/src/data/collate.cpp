// default_collate (stack each field) and pad_sequence (stack with padding).
#include "ag/data/collate.h"

#include <algorithm>
#include <stdexcept>

namespace ag::data {

Example<> default_collate(const std::vector<Example<>>& examples) {
  if (examples.empty()) throw std::invalid_argument("default_collate: the batch has no examples");
  const size_t nfields = examples[0].size();
  for (size_t e = 1; e < examples.size(); ++e)
    if (examples[e].size() != nfields)
      throw std::invalid_argument("default_collate: each example in the batch should have the same number of fields; example 0 has " +
                                  std::to_string(nfields) + ", example " + std::to_string(e) + " has " +
                                  std::to_string(examples[e].size()));
  std::vector<Tensor> fields;
  fields.reserve(nfields);
  TensorList column(examples.size());
  for (size_t f = 0; f < nfields; ++f) {
    const Tensor& first = examples[0][f];
    for (size_t e = 0; e < examples.size(); ++e) {
      const Tensor& t = examples[e][f];
      if (!t.defined())
        throw std::invalid_argument("default_collate: field " + std::to_string(f) + " of example " + std::to_string(e) + " is undefined");
      if (t.sizes() != first.sizes() || t.dtype() != first.dtype())
        throw std::invalid_argument("default_collate: field " + std::to_string(f) + " of example " + std::to_string(e) + " is " +
                                    dtype_name(t.dtype()) + to_string(t.sizes()) + " but example 0 has " +
                                    dtype_name(first.dtype()) + to_string(first.sizes()) +
                                    "; variable-length samples need a collate_fn (e.g. one using pad_sequence)");
      column[e] = t;
    }
    fields.push_back(stack(column, 0));
  }
  return Example<>(std::move(fields));
}

Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first, double padding_value) {
  if (sequences.empty()) throw std::invalid_argument("pad_sequence: received an empty list of sequences");
  const Tensor& first = sequences[0];
  int64_t max_len = 0;
  for (size_t i = 0; i < sequences.size(); ++i) {
    const Tensor& s = sequences[i];
    if (!s.defined()) throw std::invalid_argument("pad_sequence: sequence " + std::to_string(i) + " is undefined");
    if (s.dim() == 0) throw std::invalid_argument("pad_sequence: sequence " + std::to_string(i) + " is 0-dimensional; expected [L, *]");
    bool same_tail = s.dim() == first.dim() && s.dtype() == first.dtype();
    for (int64_t d = 1; same_tail && d < s.dim(); ++d) same_tail = s.size(d) == first.size(d);
    if (!same_tail)
      throw std::invalid_argument("pad_sequence: sequence " + std::to_string(i) + " is " + dtype_name(s.dtype()) + to_string(s.sizes()) +
                                  " but sequence 0 is " + dtype_name(first.dtype()) + to_string(first.sizes()) +
                                  "; all sequences need the same dtype and trailing dimensions");
    max_len = std::max(max_len, s.size(0));
  }
  const auto batch = static_cast<int64_t>(sequences.size());
  Dims shape = first.sizes();
  shape[0] = max_len;
  shape.insert(batch_first ? 0 : 1, batch);
  Tensor out = full(shape, padding_value, first.dtype());
  for (int64_t i = 0; i < batch; ++i) {
    const Tensor& s = sequences[static_cast<size_t>(i)];
    if (s.size(0) == 0) continue;
    Tensor dst = batch_first ? out.select(0, i) : out.select(1, i);
    dst.narrow(0, 0, s.size(0)).copy_(s.detach());
  }
  return out;
}

}  // namespace ag::data
