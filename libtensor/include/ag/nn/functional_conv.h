// Functional forms of the convolution, pooling, normalisation and embedding
// layers (torch.nn.functional's conv2d, conv_transpose2d, max_pool2d, avg_pool2d,
// batch_norm, layer_norm, embedding, dropout2d), each a single differentiable op
// with a fused backward.
// Shapes follow PyTorch: N batch, C channels, H×W image.
#pragma once
#include <cstdint>
#include <optional>
#include <utility>

#include "ag/arg.h"
#include "ag/tensor.h"

namespace ag::nn {
namespace functional {

/// A (height, width) pair; one integer means the same for both, like PyTorch's int-or-tuple arguments:
/// `conv2d(x, w, {}, 2)` and `conv2d(x, w, {}, {2, 1})`.
struct Size2 {
  Size2(int64_t both) : h(both), w(both) {}  // NOLINT: implicit, as PyTorch takes a bare int
  Size2(int64_t height, int64_t width) : h(height), w(width) {}
  int64_t h, w;
};

}  // namespace functional

/// MaxPool2d's arguments, as libtorch's: `MaxPool2dOptions(3).stride(2)`; stride defaults to the kernel size.
struct MaxPool2dOptions {
  MaxPool2dOptions(functional::Size2 kernel_size)  // NOLINT(google-explicit-constructor): libtorch's conversion
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  AG_ARG(functional::Size2, kernel_size);
  AG_ARG(functional::Size2, stride);
  AG_ARG(functional::Size2, padding) = 0;
  AG_ARG(functional::Size2, dilation) = 1;
  AG_ARG(bool, ceil_mode) = false;
};

/// AvgPool2d's arguments, as libtorch's: `AvgPool2dOptions(2).count_include_pad(false)`; stride defaults
/// to the kernel size.
struct AvgPool2dOptions {
  AvgPool2dOptions(functional::Size2 kernel_size)  // NOLINT(google-explicit-constructor): libtorch's conversion
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  AG_ARG(functional::Size2, kernel_size);
  AG_ARG(functional::Size2, stride);
  AG_ARG(functional::Size2, padding) = 0;
  AG_ARG(bool, ceil_mode) = false;
  AG_ARG(bool, count_include_pad) = true;
  AG_ARG(std::optional<int64_t>, divisor_override) = std::nullopt;
};

namespace functional {

/// conv2d's keyword arguments, as libtorch's: `F::conv2d(x, w, F::Conv2dFuncOptions().stride(2).padding(1))`.
struct Conv2dFuncOptions {
  AG_ARG(Tensor, bias) = Tensor();
  AG_ARG(Size2, stride) = 1;
  AG_ARG(Size2, padding) = 0;
  AG_ARG(Size2, dilation) = 1;
  AG_ARG(int64_t, groups) = 1;
};

/// conv_transpose2d's keyword arguments, as libtorch's: `F::ConvTranspose2dFuncOptions().stride(2).padding(1)`.
struct ConvTranspose2dFuncOptions {
  AG_ARG(Tensor, bias) = Tensor();
  AG_ARG(Size2, stride) = 1;
  AG_ARG(Size2, padding) = 0;
  AG_ARG(Size2, output_padding) = 0;
  AG_ARG(int64_t, groups) = 1;
  AG_ARG(Size2, dilation) = 1;
};

/// The pooling functions take the layers' options, as in libtorch.
using MaxPool2dFuncOptions = MaxPool2dOptions;
using AvgPool2dFuncOptions = AvgPool2dOptions;

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

/// conv2d with libtorch's keyword-argument form.
inline Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options) {
  return conv2d(input, weight, options.bias(), options.stride(), options.padding(), options.dilation(),
                options.groups());
}

/// conv_transpose2d with libtorch's keyword-argument form.
inline Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dFuncOptions& options) {
  return conv_transpose2d(input, weight, options.bias(), options.stride(), options.padding(),
                          options.output_padding(), options.groups(), options.dilation());
}

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

/// max_pool2d with libtorch's options: `F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2))`.
inline Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options) {
  return max_pool2d(input, options.kernel_size(), options.stride(), options.padding(), options.dilation(),
                    options.ceil_mode());
}

/// avg_pool2d with libtorch's options: `F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).count_include_pad(false))`.
inline Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options) {
  return avg_pool2d(input, options.kernel_size(), options.stride(), options.padding(), options.ceil_mode(),
                    options.count_include_pad(), options.divisor_override());
}

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

}  // namespace functional
}  // namespace ag::nn
