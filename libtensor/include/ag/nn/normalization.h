// BatchNorm1d/2d, LayerNorm and Embedding over nn::functional's ops.
#pragma once
#include <optional>

#include "ag/arg.h"
#include "ag/nn/functional_conv.h"
#include "ag/nn/module.h"

namespace ag::nn {

/// BatchNorm1d/2d's arguments, as libtorch's: `BatchNorm2dOptions(64).momentum(0.01).eps(1e-3)`.
/// momentum nullopt means a cumulative average (PyTorch's momentum=None): the running statistics
/// are the mean of all batches seen. Without track_running_stats there are no running buffers and
/// the batch's own statistics are used in eval mode too.
struct BatchNormOptions {
  BatchNormOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT: implicit, as libtorch's
  AG_ARG(int64_t, num_features);
  AG_ARG(double, eps) = 1e-5;
  AG_ARG(std::optional<double>, momentum) = 0.1;
  AG_ARG(bool, affine) = true;
  AG_ARG(bool, track_running_stats) = true;

 public:
  // momentum(std::nullopt) resets instead of assigning a disengaged temporary, whose bytes GCC reports as
  // read uninitialised.
  BatchNormOptions& momentum(std::nullopt_t) & {
    momentum_.reset();
    return *this;
  }
  BatchNormOptions momentum(std::nullopt_t) && {
    momentum_.reset();
    return std::move(*this);
  }
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;

/// Batch normalisation over channels (dim 1); running_mean / running_var / num_batches_tracked
/// are buffers, as in PyTorch. BatchNorm1d takes [N, C] or [N, C, L]; BatchNorm2d [N, C, H, W].
class BatchNormImplBase : public Module {
 public:
  BatchNormImplBase(BatchNormOptions options, int64_t expected_dim);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  BatchNormOptions options;
  int64_t expected_dim;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;
};
class BatchNorm1dImpl : public BatchNormImplBase {
 public:
  explicit BatchNorm1dImpl(BatchNorm1dOptions options) : BatchNormImplBase(options, 2) {}
  explicit BatchNorm1dImpl(int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true)
      : BatchNormImplBase(BatchNorm1dOptions(num_features).eps(eps).momentum(momentum).affine(affine), 2) {}
};
class BatchNorm2dImpl : public BatchNormImplBase {
 public:
  explicit BatchNorm2dImpl(BatchNorm2dOptions options) : BatchNormImplBase(options, 4) {}
  explicit BatchNorm2dImpl(int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true)
      : BatchNormImplBase(BatchNorm2dOptions(num_features).eps(eps).momentum(momentum).affine(affine), 4) {}
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
