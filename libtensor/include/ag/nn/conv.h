// Convolution and pooling layers over nn::functional's conv2d and pool ops.
#pragma once
#include "ag/nn/functional_conv.h"
#include "ag/nn/module.h"

namespace ag::nn {

/// 2-D convolution; PyTorch's init (kaiming_uniform_(a=√5) weight, U(±1/√fan_in) bias).
class Conv2dImpl : public Module {
 public:
  Conv2dImpl(int64_t in_channels, int64_t out_channels, functional::Size2 kernel_size, functional::Size2 stride = 1,
         functional::Size2 padding = 0, functional::Size2 dilation = 1, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();
  int64_t in_channels, out_channels, groups;
  functional::Size2 kernel_size, stride, padding, dilation;
  Tensor weight, bias;
};

/// Max pooling; stride defaults to the kernel size.
class MaxPool2dImpl : public Module {
 public:
  explicit MaxPool2dImpl(functional::Size2 kernel_size, std::optional<functional::Size2> stride = std::nullopt,
                     functional::Size2 padding = 0)
      : kernel_size(kernel_size), stride(stride.value_or(kernel_size)), padding(padding) {}
  Tensor forward(const Tensor& input) override { return functional::max_pool2d(input, kernel_size, stride, padding); }
  std::string extra_repr() const override;
  functional::Size2 kernel_size, stride, padding;
};

/// Average pooling; stride defaults to the kernel size.
class AvgPool2dImpl : public Module {
 public:
  explicit AvgPool2dImpl(functional::Size2 kernel_size, std::optional<functional::Size2> stride = std::nullopt,
                     functional::Size2 padding = 0)
      : kernel_size(kernel_size), stride(stride.value_or(kernel_size)), padding(padding) {}
  Tensor forward(const Tensor& input) override { return functional::avg_pool2d(input, kernel_size, stride, padding); }
  std::string extra_repr() const override;
  functional::Size2 kernel_size, stride, padding;
};

/// The holders (shared handles) of the modules above, as libtorch declares them.
AG_MODULE(Conv2d);
AG_MODULE(MaxPool2d);
AG_MODULE(AvgPool2d);

}  // namespace ag::nn
