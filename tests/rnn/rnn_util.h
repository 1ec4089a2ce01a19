// Helpers for the recurrent-layer tests.
#pragma once
#include <cstdlib>
#include <tuple>

#include "ag/nn/nn.h"
#include "layers/layers_util.h"

namespace agtest {

/// While alive, the recurrent layers run their plain reference path (AG_RNN_REFERENCE).
class ReferencePath {
 public:
  ReferencePath() { setenv("AG_RNN_REFERENCE", "1", 1); }
  ~ReferencePath() { unsetenv("AG_RNN_REFERENCE"); }
  ReferencePath(const ReferencePath&) = delete;
  ReferencePath& operator=(const ReferencePath&) = delete;
};

/// All of a module's parameter gradients laid end to end (zeros where undefined).
inline ag::Tensor flat_grads(const ag::nn::Module& m) {
  ag::TensorList parts;
  for (const ag::Tensor& p : m.parameters())
    parts.push_back(p.grad().defined() ? p.grad().flatten() : ag::zeros({p.numel()}, p.dtype()));
  return ag::cat(parts, 0);
}

/// A tensor with values drawn from a fixed seed.
inline ag::Tensor randn(const ag::Dims& shape, uint64_t seed, ag::ScalarType dtype = ag::kFloat64) {
  ag::Generator g(seed);
  ag::Tensor t = ag::empty(shape, dtype);
  ag::normal_(t, 0, 1, &g);
  return t;
}

}  // namespace agtest
