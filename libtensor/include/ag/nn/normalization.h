// BatchNorm1d/2d, LayerNorm and Embedding over nn::functional's ops.
#pragma once
#include <optional>

#include "ag/nn/functional_conv.h"
#include "ag/nn/module.h"

namespace ag::nn {

/// Batch normalisation over channels (dim 1); running_mean / running_var / num_batches_tracked
/// are buffers, as in PyTorch. BatchNorm1d takes [N, C] or [N, C, L]; BatchNorm2d [N, C, H, W].
class BatchNormImplBase : public Module {
 public:
  BatchNormImplBase(int64_t num_features, int64_t expected_dim, double eps = 1e-5, double momentum = 0.1, bool affine = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t num_features, expected_dim;
  double eps, momentum;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;
};
class BatchNorm1dImpl : public BatchNormImplBase {
 public:
  explicit BatchNorm1dImpl(int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true)
      : BatchNormImplBase(num_features, 2, eps, momentum, affine) {}
};
class BatchNorm2dImpl : public BatchNormImplBase {
 public:
  explicit BatchNorm2dImpl(int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true)
      : BatchNormImplBase(num_features, 4, eps, momentum, affine) {}
};

/// Layer normalisation over the trailing `normalized_shape` dims, weight 1 and bias 0 at init.
class LayerNormImpl : public Module {
 public:
  explicit LayerNormImpl(Dims normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Dims normalized_shape;
  double eps;
  Tensor weight, bias;
};

/// A lookup table of num_embeddings rows of size embedding_dim, initialised N(0, 1) (PyTorch's
/// default), the padding row zeroed.
class EmbeddingImpl : public Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = std::nullopt);
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;
  Tensor weight;
};

/// The holders (shared handles) of the modules above, as libtorch declares them.
AG_MODULE(BatchNorm1d);
AG_MODULE(BatchNorm2d);
AG_MODULE(Embedding);
AG_MODULE_WITH_OPTIONS(LayerNorm, Dims);

}  // namespace ag::nn
