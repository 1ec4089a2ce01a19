// BatchNorm1d/2d, LayerNorm and Embedding over nn::functional's ops.
#pragma once
#include <optional>

#include "ag/nn/functional_conv.h"
#include "ag/nn/module.h"

namespace ag::nn {

/// Batch normalisation over channels (dim 1); running_mean / running_var / num_batches_tracked
/// are buffers, as in PyTorch. BatchNorm1d takes [N, C] or [N, C, L]; BatchNorm2d [N, C, H, W].
class BatchNorm : public Module {
 public:
  BatchNorm(int64_t num_features, int64_t expected_dim, double eps = 1e-5, double momentum = 0.1, bool affine = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t num_features, expected_dim;
  double eps, momentum;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;
};
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true)
      : BatchNorm(num_features, 2, eps, momentum, affine) {}
};
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true)
      : BatchNorm(num_features, 4, eps, momentum, affine) {}
};

/// Layer normalisation over the trailing `normalized_shape` dims, weight 1 and bias 0 at init.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Dims normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Dims normalized_shape;
  double eps;
  Tensor weight, bias;
};

/// A lookup table of num_embeddings rows of size embedding_dim, initialised N(0, 1) (PyTorch's
/// default), the padding row zeroed.
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = std::nullopt);
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;
  Tensor weight;
};

}  // namespace ag::nn
