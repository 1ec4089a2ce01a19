// conv2d: argument checks and the output shape; ops/convolution.cpp runs the
// im2col + gemm kernels (kernels/conv2d.cpp) and records the autograd node.
#include "ag/nn/functional_conv.h"
#include "kernels/conv2d.h"
#include "ops/convolution.h"
#include "ops/op_util.h"
#include "ops/size2_text.h"

namespace ag::nn::functional {

using namespace ops;

namespace {

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument("conv2d: " + msg); }

kernels::Conv2dGeometry check_and_measure(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride,
                                          Size2 padding, Size2 dilation, int64_t groups) {
  if (w.dim() != 4)
    fail("expected a 4-D weight [out_channels, in_channels/groups, kH, kW], got weight of shape " +
         to_string(w.sizes()));
  check_convolution_arguments(x, w, b, stride, padding, dilation, groups, fail);
  const int64_t O = w.size(0), C = x.size(1);
  if (O % groups != 0)
    fail("out_channels " + std::to_string(O) + " of weight " + to_string(w.sizes()) + " is not divisible by groups=" +
         std::to_string(groups));
  if (C != w.size(1) * groups)
    fail("given groups=" + std::to_string(groups) + ", weight of size " + to_string(w.sizes()) + ", expected input" +
         to_string(x.sizes()) + " to have " + std::to_string(w.size(1) * groups) + " channels, but got " +
         std::to_string(C) + " channels instead");
  if (b.defined() && (b.dim() != 1 || b.size(0) != O))
    fail("expected bias of shape [" + std::to_string(O) + "] (one per output channel of weight " +
         to_string(w.sizes()) + "), got " + to_string(b.sizes()));
  kernels::Conv2dGeometry g{};
  g.batch = x.size(0);
  g.in_channels = C;
  g.in_h = x.size(2);
  g.in_w = x.size(3);
  g.out_channels = O;
  g.kernel_h = w.size(2);
  g.kernel_w = w.size(3);
  g.stride_h = stride.h;
  g.stride_w = stride.w;
  g.pad_h = padding.h;
  g.pad_w = padding.w;
  g.dil_h = dilation.h;
  g.dil_w = dilation.w;
  g.groups = groups;
  const int64_t span_h = dilation.h * (g.kernel_h - 1) + 1, span_w = dilation.w * (g.kernel_w - 1) + 1;
  const int64_t padded_h = g.in_h + 2 * padding.h, padded_w = g.in_w + 2 * padding.w;
  if (padded_h < span_h || padded_w < span_w)
    fail("padded input size per channel (" + std::to_string(padded_h) + " x " + std::to_string(padded_w) +
         ") of input " + to_string(x.sizes()) + " is smaller than the dilated kernel (" + std::to_string(span_h) +
         " x " + std::to_string(span_w) + ") of weight " + to_string(w.sizes()));
  g.out_h = (padded_h - span_h) / stride.h + 1;
  g.out_w = (padded_w - span_w) / stride.w + 1;
  return g;
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding,
              Size2 dilation, int64_t groups) {
  check_defined(input, "conv2d");
  check_defined(weight, "conv2d");
  if (input.dim() == 3) return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
  if (input.dim() != 4)
    fail("expected a 3-D (unbatched) or 4-D (batched) input [N, C, H, W], got input of shape " +
         to_string(input.sizes()));
  const kernels::Conv2dGeometry g = check_and_measure(input, weight, bias, stride, padding, dilation, groups);
  return run_convolution(input, weight, bias, g, /*transposed=*/false);
}

}  // namespace ag::nn::functional
