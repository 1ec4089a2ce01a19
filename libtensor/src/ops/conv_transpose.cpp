// conv_transpose2d: argument checks, output shape, and the autograd node around
// the adjoint-conv2d kernels in kernels/conv_transpose2d.cpp.
#include "ag/nn/functional_conv.h"
#include "kernels/conv_transpose2d.h"
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
  if (x.dtype() != w.dtype() || (b.defined() && b.dtype() != x.dtype()))
    fail(std::string("input, weight and bias must have the same dtype, got input ") + dtype_name(x.dtype()) +
         ", weight " + dtype_name(w.dtype()) + (b.defined() ? std::string(", bias ") + dtype_name(b.dtype()) : ""));
  if (!x.is_floating_point()) fail(std::string("expected a float32 or float64 input, got ") + dtype_name(x.dtype()));
  if (groups < 1) fail("groups must be positive, got " + std::to_string(groups));
  if (stride.h < 1 || stride.w < 1) fail("stride must be positive, got " + pair_str(stride));
  if (dilation.h < 1 || dilation.w < 1) fail("dilation must be positive, got " + pair_str(dilation));
  if (padding.h < 0 || padding.w < 0) fail("padding must be non-negative, got " + pair_str(padding));
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
  Tensor x = kernels::contiguous(input), w = kernels::contiguous(weight);
  Tensor b = bias.defined() ? kernels::contiguous(bias) : Tensor();
  Tensor out = detail::make_empty({g.batch, g.in_channels, g.in_h, g.in_w}, x.dtype());
  AG_DISPATCH_FLOATING(x.dtype(), "conv_transpose2d", [&] {
    kernels::conv_transpose2d_forward<scalar_t>(g, x.data_ptr<scalar_t>(), w.data_ptr<scalar_t>(),
                                                b.defined() ? b.data_ptr<scalar_t>() : nullptr,
                                                out.data_ptr<scalar_t>());
  });
  if (autograd::any_requires_grad({&input, &weight, &bias})) {
    // dW needs the input, dx needs the weight: save only what a wanted gradient reads.
    SavedTensor sx(weight.requires_grad() ? x : Tensor()), sw(input.requires_grad() ? w : Tensor());
    Dims w_shape = weight.sizes();
    record("ConvolutionBackward0", out, {&input, &weight, &bias},
           [sx, sw, g, w_shape](const Tensor& grad, NeedsGrad n) -> TensorList {
             Tensor gy = kernels::contiguous(grad), gx, gw, gb;
             const ScalarType t = gy.dtype();
             if (n[0]) gx = detail::make_empty({g.batch, g.out_channels, g.out_h, g.out_w}, t);
             if (n[1]) gw = detail::make_empty(w_shape, t);
             if (n[2]) gb = detail::make_empty({g.in_channels}, t);
             const Tensor& xv = sx.unpack("ConvolutionBackward0");
             const Tensor& wv = sw.unpack("ConvolutionBackward0");
             AG_DISPATCH_FLOATING(t, "conv_transpose2d_backward", [&] {
               auto ptr = [](const Tensor& v) { return v.defined() ? v.data_ptr<scalar_t>() : nullptr; };
               kernels::conv_transpose2d_backward<scalar_t>(g, ptr(xv), ptr(wv), gy.data_ptr<scalar_t>(), ptr(gx),
                                                            ptr(gw), ptr(gb));
             });
             return {gx, gw, gb};
           });
  }
  return out;
}

}  // namespace ag::nn::functional
