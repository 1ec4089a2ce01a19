// What conv2d and conv_transpose2d share around their kernels: the argument checks
// that do not depend on the weight's layout, and, once the geometry is known, the
// kernel call and the autograd node. A transposed convolution runs conv2d's geometry
// backwards (kernels/conv_transpose2d.h): its output has the geometry's input shape,
// its input the geometry's output shape, and its bias one value per geometry input channel.
#pragma once
#include <cstdint>
#include <string>

#include "ag/nn/functional_conv.h"
#include "kernels/conv2d.h"

namespace ag::ops {

/// Checks dtypes, groups, stride, dilation and padding; `fail` throws with the op's name.
void check_convolution_arguments(const Tensor& x, const Tensor& w, const Tensor& b, nn::functional::Size2 stride,
                                 nn::functional::Size2 padding, nn::functional::Size2 dilation, int64_t groups,
                                 void (*fail)(const std::string&));

/// The convolution (or, with `transposed`, the transposed convolution) of checked
/// arguments with geometry `g`, recorded for autograd as ConvolutionBackward0.
Tensor run_convolution(const Tensor& input, const Tensor& weight, const Tensor& bias,
                       const kernels::Conv2dGeometry& g, bool transposed);

}  // namespace ag::ops
