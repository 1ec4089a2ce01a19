// Convolution and pooling layers over nn::functional's conv2d, conv_transpose2d
// and pool ops, with libtorch's options classes.
#pragma once
#include <optional>

#include "ag/arg.h"
#include "ag/nn/functional_conv.h"
#include "ag/nn/module.h"

namespace ag::nn {

/// Conv2d's arguments, as libtorch's: `Conv2dOptions(3, 8, 5).stride(2).padding(1).bias(false)`.
/// Departure: padding is a number per side only (no kSame/kValid) and padding_mode is always zeros.
struct Conv2dOptions {
  Conv2dOptions(int64_t in_channels, int64_t out_channels, functional::Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  AG_ARG(int64_t, in_channels);
  AG_ARG(int64_t, out_channels);
  AG_ARG(functional::Size2, kernel_size);
  AG_ARG(functional::Size2, stride) = 1;
  AG_ARG(functional::Size2, padding) = 0;
  AG_ARG(functional::Size2, dilation) = 1;
  AG_ARG(int64_t, groups) = 1;
  AG_ARG(bool, bias) = true;
};

/// ConvTranspose2d's arguments, as libtorch's: `ConvTranspose2dOptions(16, 8, 4).stride(2).padding(1)`.
struct ConvTranspose2dOptions {
  ConvTranspose2dOptions(int64_t in_channels, int64_t out_channels, functional::Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  AG_ARG(int64_t, in_channels);
  AG_ARG(int64_t, out_channels);
  AG_ARG(functional::Size2, kernel_size);
  AG_ARG(functional::Size2, stride) = 1;
  AG_ARG(functional::Size2, padding) = 0;
  AG_ARG(functional::Size2, output_padding) = 0;
  AG_ARG(int64_t, groups) = 1;
  AG_ARG(bool, bias) = true;
  AG_ARG(functional::Size2, dilation) = 1;
};

/// 2-D convolution; PyTorch's init (kaiming_uniform_(a=√5) weight, U(±1/√fan_in) bias).
/// Weight [out_channels, in_channels/groups, kH, kW].
class Conv2dImpl : public Module {
 public:
  explicit Conv2dImpl(Conv2dOptions options);
  Conv2dImpl(int64_t in_channels, int64_t out_channels, functional::Size2 kernel_size, functional::Size2 stride = 1,
             functional::Size2 padding = 0, functional::Size2 dilation = 1, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();
  Conv2dOptions options;
  Tensor weight, bias;
};

/// Transposed 2-D convolution. Weight [in_channels, out_channels/groups, kH, kW] and PyTorch's init, which
/// (as PyTorch's _ConvNd) takes fan_in from weight dim 1: out_channels/groups·kH·kW.
class ConvTranspose2dImpl : public Module {
 public:
  explicit ConvTranspose2dImpl(ConvTranspose2dOptions options);
  ConvTranspose2dImpl(int64_t in_channels, int64_t out_channels, functional::Size2 kernel_size,
                      functional::Size2 stride = 1, functional::Size2 padding = 0,
                      functional::Size2 output_padding = 0, int64_t groups = 1, bool bias = true,
                      functional::Size2 dilation = 1);
  Tensor forward(const Tensor& input) override;
  /// The output of spatial size output_size ({H, W}, or [N, C, H, W] whose last two are taken), which
  /// picks the output padding, as PyTorch's forward(input, output_size). Throws if no output padding
  /// in [0, stride) gives that size.
  Tensor forward(const Tensor& input, const Dims& output_size);
  std::string extra_repr() const override;
  void reset_parameters();
  ConvTranspose2dOptions options;
  Tensor weight, bias;
};

/// Max pooling; stride defaults to the kernel size.
class MaxPool2dImpl : public Module {
 public:
  explicit MaxPool2dImpl(MaxPool2dOptions options) : options(options) {}
  explicit MaxPool2dImpl(functional::Size2 kernel_size, std::optional<functional::Size2> stride = std::nullopt,
                         functional::Size2 padding = 0)
      : options(MaxPool2dOptions(kernel_size).stride(stride.value_or(kernel_size)).padding(padding)) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  MaxPool2dOptions options;
};

/// Average pooling; stride defaults to the kernel size.
class AvgPool2dImpl : public Module {
 public:
  explicit AvgPool2dImpl(AvgPool2dOptions options) : options(options) {}
  explicit AvgPool2dImpl(functional::Size2 kernel_size, std::optional<functional::Size2> stride = std::nullopt,
                         functional::Size2 padding = 0)
      : options(AvgPool2dOptions(kernel_size).stride(stride.value_or(kernel_size)).padding(padding)) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  AvgPool2dOptions options;
};

/// The holders (shared handles) of the modules above, as libtorch declares them.
AG_MODULE(Conv2d);
AG_MODULE(ConvTranspose2d);
AG_MODULE(MaxPool2d);
AG_MODULE(AvgPool2d);

}  // namespace ag::nn
