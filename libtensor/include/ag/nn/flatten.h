// Flatten: merges a range of dims into one (a view when the memory allows).
#pragma once
#include <cstdint>

#include "ag/nn/module.h"

namespace ag::nn {

/// Flattens dims start_dim..end_dim; the default keeps the batch dim: (N, *) → (N, Π*).
class FlattenImpl : public Module {
 public:
  explicit FlattenImpl(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& input) override { return input.flatten(start_dim, end_dim); }
  std::string extra_repr() const override;
  int64_t start_dim, end_dim;
};

/// The holders (shared handles) of the modules above, as libtorch declares them.
AG_MODULE(Flatten);

}  // namespace ag::nn
