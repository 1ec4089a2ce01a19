// conv_transpose2d: argument checks and the output shape; ops/convolution.cpp runs
// the adjoint-conv2d kernels (kernels/conv_transpose2d.cpp) and records the autograd node.
#include "ag/nn/functional_conv.h"
#include "kernels/conv_transpose2d.h"
#include "ops/convolution.h"
#include "ops/op_util.h"
#include "ops/size2_text.h"

namespace ag::nn::functional {

using namespace ops;

namespace {

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument("conv_transpose2d: " + msg); }

// The geometry of the conv2d whose input gradient this transposed convolution is (kernels/conv_transpose2d.h).
kernels::Conv2dGeometry check_and_measure(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride,
                                          Size2 padding, Size2 output_padding, int64_t groups, Size2 dilation) {
  if (w.dim() != 4)
    fail("expected a 4-D weight [in_channels, out_channels/groups, kH, kW], got weight of shape " +
         to_string(w.sizes()));
  check_convolution_arguments(x, w, b, stride, padding, dilation, groups, fail);
  if (output_padding.h < 0 || output_padding.w < 0)
    fail("output_padding must be non-negative, got " + pair_str(output_padding));
  // Output padding only picks one of the output sizes that a stride (or dilation) maps onto the same input size.
  if ((output_padding.h >= stride.h && output_padding.h >= dilation.h) ||
      (output_padding.w >= stride.w && output_padding.w >= dilation.w))
    fail("output_padding " + pair_str(output_padding) + " must be smaller than either stride " + pair_str(stride) +
         " or dilation " + pair_str(dilation));
  const int64_t C = x.size(1);
  if (C != w.size(0))
    fail("weight of shape " + to_string(w.sizes()) + " expects " + std::to_string(w.size(0)) +
         " input channels (its dim 0), but input " + to_string(x.sizes()) + " has " + std::to_string(C));
  if (C % groups != 0)
    fail("in_channels " + std::to_string(C) + " of weight " + to_string(w.sizes()) + " is not divisible by groups=" +
         std::to_string(groups));
  const int64_t O = w.size(1) * groups;
  if (b.defined() && (b.dim() != 1 || b.size(0) != O))
    fail("expected bias of shape [" + std::to_string(O) + "] (out_channels = weight.size(1) * groups for weight " +
         to_string(w.sizes()) + "), got " + to_string(b.sizes()));
  kernels::Conv2dGeometry g{};
  g.batch = x.size(0);
  g.in_channels = O;
  g.out_channels = C;
  g.out_h = x.size(2);
  g.out_w = x.size(3);
  g.kernel_h = w.size(2);
  g.kernel_w = w.size(3);
  g.stride_h = stride.h;
  g.stride_w = stride.w;
  g.pad_h = padding.h;
  g.pad_w = padding.w;
  g.dil_h = dilation.h;
  g.dil_w = dilation.w;
  g.groups = groups;
  g.in_h = (g.out_h - 1) * stride.h - 2 * padding.h + dilation.h * (g.kernel_h - 1) + output_padding.h + 1;
  g.in_w = (g.out_w - 1) * stride.w - 2 * padding.w + dilation.w * (g.kernel_w - 1) + output_padding.w + 1;
  if (g.in_h < 1 || g.in_w < 1)
    fail("the output size (" + std::to_string(g.in_h) + " x " + std::to_string(g.in_w) + ") for input " +
         to_string(x.sizes()) + ", weight " + to_string(w.sizes()) + ", stride " + pair_str(stride) + ", padding " +
         pair_str(padding) + " is too small");
  return g;
}

}  // namespace

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding,
                        Size2 output_padding, int64_t groups, Size2 dilation) {
  check_defined(input, "conv_transpose2d");
  check_defined(weight, "conv_transpose2d");
  if (input.dim() == 3)
    return conv_transpose2d(input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups, dilation)
        .squeeze(0);
  if (input.dim() != 4)
    fail("expected a 3-D (unbatched) or 4-D (batched) input [N, C, H, W], got input of shape " +
         to_string(input.sizes()));
  const kernels::Conv2dGeometry g =
      check_and_measure(input, weight, bias, stride, padding, output_padding, groups, dilation);
  return run_convolution(input, weight, bias, g, /*transposed=*/true);
}

}  // namespace ag::nn::functional
