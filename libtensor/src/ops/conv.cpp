// conv2d: argument checks, output shape, and the autograd node around the
// im2col + gemm kernels in kernels/conv2d.cpp.
#include "ag/nn/functional_conv.h"
#include "kernels/conv2d.h"
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
  if (x.dtype() != w.dtype() || (b.defined() && b.dtype() != x.dtype()))
    fail(std::string("input, weight and bias must have the same dtype, got input ") + dtype_name(x.dtype()) +
         ", weight " + dtype_name(w.dtype()) + (b.defined() ? std::string(", bias ") + dtype_name(b.dtype()) : ""));
  if (!x.is_floating_point()) fail(std::string("expected a float32 or float64 input, got ") + dtype_name(x.dtype()));
  if (groups < 1) fail("groups must be positive, got " + std::to_string(groups));
  if (stride.h < 1 || stride.w < 1) fail("stride must be positive, got " + pair_str(stride));
  if (dilation.h < 1 || dilation.w < 1) fail("dilation must be positive, got " + pair_str(dilation));
  if (padding.h < 0 || padding.w < 0) fail("padding must be non-negative, got " + pair_str(padding));
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
  Tensor x = kernels::contiguous(input), w = kernels::contiguous(weight);
  Tensor b = bias.defined() ? kernels::contiguous(bias) : Tensor();
  Tensor out = detail::make_empty({g.batch, g.out_channels, g.out_h, g.out_w}, x.dtype());
  AG_DISPATCH_FLOATING(x.dtype(), "conv2d", [&] {
    kernels::conv2d_forward<scalar_t>(g, x.data_ptr<scalar_t>(), w.data_ptr<scalar_t>(),
                                      b.defined() ? b.data_ptr<scalar_t>() : nullptr, out.data_ptr<scalar_t>());
  });
  if (autograd::any_requires_grad({&input, &weight, &bias})) {
    // dW needs the input, dx needs the weight: save only what a wanted gradient reads.
    SavedTensor sx(weight.requires_grad() ? x : Tensor()), sw(input.requires_grad() ? w : Tensor());
    Dims w_shape = weight.sizes();
    record("ConvolutionBackward0", out, {&input, &weight, &bias},
           [sx, sw, g, w_shape](const Tensor& grad, NeedsGrad n) -> TensorList {
             Tensor gy = kernels::contiguous(grad), gx, gw, gb;
             const ScalarType t = gy.dtype();
             if (n[0]) gx = detail::make_empty({g.batch, g.in_channels, g.in_h, g.in_w}, t);
             if (n[1]) gw = detail::make_empty(w_shape, t);
             if (n[2]) gb = detail::make_empty({g.out_channels}, t);
             const Tensor& xv = sx.unpack("ConvolutionBackward0");
             const Tensor& wv = sw.unpack("ConvolutionBackward0");
             AG_DISPATCH_FLOATING(t, "conv2d_backward", [&] {
               auto ptr = [](const Tensor& v) { return v.defined() ? v.data_ptr<scalar_t>() : nullptr; };
               kernels::conv2d_backward<scalar_t>(g, ptr(xv), ptr(wv), gy.data_ptr<scalar_t>(), ptr(gx), ptr(gw),
                                                  ptr(gb));
             });
             return {gx, gw, gb};
           });
  }
  return out;
}

}  // namespace ag::nn::functional
