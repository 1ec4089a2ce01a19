// Functional forms of the convolution, pooling, normalisation and embedding
// layers (torch.nn.functional's conv2d, conv_transpose2d, max_pool2d, avg_pool2d,
// batch_norm, layer_norm, embedding, dropout2d), each a single differentiable op
// with a fused backward.
// Shapes follow PyTorch: N batch, C channels, H×W image.
#pragma once
#include <cstdint>
#include <optional>
#include <utility>

#include "ag/tensor.h"

namespace ag::nn::functional {

/// A (height, width) pair; one integer means the same for both, like PyTorch's int-or-tuple arguments:
/// `conv2d(x, w, {}, 2)` and `conv2d(x, w, {}, {2, 1})`.
struct Size2 {
  Size2(int64_t both) : h(both), w(both) {}  // NOLINT: implicit, as PyTorch takes a bare int
  Size2(int64_t height, int64_t width) : h(height), w(width) {}
  int64_t h, w;
};

/// 2-D convolution (cross-correlation, as PyTorch). input [N, C, H, W] (or unbatched [C, H, W]),
/// weight [O, C/groups, kH, kW], optional bias [O] → [N, O, H', W'] with
/// H' = (H + 2·padding − dilation·(kH − 1) − 1) / stride + 1. float32 or float64; input and weight share a dtype.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), Size2 stride = 1,
              Size2 padding = 0, Size2 dilation = 1, int64_t groups = 1);

/// Transposed 2-D convolution (the input gradient of conv2d, "deconvolution"), as PyTorch's
/// conv_transpose2d and with its argument order. input [N, C, H, W] (or unbatched [C, H, W]),
/// weight [C, O/groups, kH, kW], optional bias [O] → [N, O, H', W'] with
/// H' = (H − 1)·stride − 2·padding + dilation·(kH − 1) + output_padding + 1. output_padding adds
/// rows and columns on one side of the output and must be smaller than the stride or the dilation.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), Size2 stride = 1,
                        Size2 padding = 0, Size2 output_padding = 0, int64_t groups = 1, Size2 dilation = 1);

/// Max pooling over kH×kW windows of every plane of [N, C, H, W] (or [C, H, W]); stride defaults to
/// the kernel size; padding counts as −inf. NaN wins, as in PyTorch.
Tensor max_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride = std::nullopt,
                  Size2 padding = 0, Size2 dilation = 1, bool ceil_mode = false);

/// max_pool2d that also returns the argmax of each window as an int64 tensor of the output's shape,
/// holding the flat index h·W + w inside the input plane (PyTorch's return_indices=True).
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Size2 kernel_size,
                                                  std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                                                  Size2 dilation = 1, bool ceil_mode = false);

/// Average pooling. The divisor is the window's size including padding when count_include_pad
/// (the default), the number of real pixels otherwise, or divisor_override when given.
Tensor avg_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride = std::nullopt,
                  Size2 padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);

/// Batch normalisation over dim 1 of input [N, C, *]. In training, normalises with the batch's
/// mean and biased variance and, when running_mean / running_var are given, updates them in place
/// (running = (1 − momentum)·running + momentum·batch, with the unbiased variance), without autograd.
/// In evaluation, normalises with the running statistics, which must be given. weight and bias [C]
/// are optional (scale 1, shift 0).
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

/// Layer normalisation over the trailing dims given by normalized_shape, with the biased variance;
/// weight and bias (optional) have shape normalized_shape.
Tensor layer_norm(const Tensor& input, const Dims& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

/// Looks up rows of weight [num_embeddings, dim] for int64 indices of any shape → [..., dim].
/// Rows at padding_idx (negative counts from the end) receive no gradient. An index outside
/// [0, num_embeddings) throws, naming the index and the table size.
Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt);

/// Channel dropout: zeroes each whole channel (plane) of [N, C, H, W] (or unbatched [C, H, W])
/// with probability p and scales the others by 1/(1−p); the input itself when not training.
/// One draw per (n, c) from the global generator, in order, as PyTorch's CPU bernoulli_.
Tensor dropout2d(const Tensor& input, double p = 0.5, bool training = true);

}  // namespace ag::nn::functional
