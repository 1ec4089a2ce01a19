#include "ops/convolution.h"

#include "kernels/conv_transpose2d.h"
#include "ops/op_util.h"
#include "ops/size2_text.h"

namespace ag::ops {

using nn::functional::pair_str;
using nn::functional::Size2;

void check_convolution_arguments(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride, Size2 padding,
                                 Size2 dilation, int64_t groups, void (*fail)(const std::string&)) {
  if (x.dtype() != w.dtype() || (b.defined() && b.dtype() != x.dtype()))
    fail(std::string("input, weight and bias must have the same dtype, got input ") + dtype_name(x.dtype()) +
         ", weight " + dtype_name(w.dtype()) + (b.defined() ? std::string(", bias ") + dtype_name(b.dtype()) : ""));
  if (!x.is_floating_point()) fail(std::string("expected a float32 or float64 input, got ") + dtype_name(x.dtype()));
  if (groups < 1) fail("groups must be positive, got " + std::to_string(groups));
  if (stride.h < 1 || stride.w < 1) fail("stride must be positive, got " + pair_str(stride));
  if (dilation.h < 1 || dilation.w < 1) fail("dilation must be positive, got " + pair_str(dilation));
  if (padding.h < 0 || padding.w < 0) fail("padding must be non-negative, got " + pair_str(padding));
}

namespace {

template <typename T>
void forward_kernel(bool transposed, const kernels::Conv2dGeometry& g, const T* x, const T* w, const T* b, T* out) {
  if (transposed) kernels::conv_transpose2d_forward<T>(g, x, w, b, out);
  else kernels::conv2d_forward<T>(g, x, w, b, out);
}

template <typename T>
void backward_kernel(bool transposed, const kernels::Conv2dGeometry& g, const T* x, const T* w, const T* gy, T* gx,
                     T* gw, T* gb) {
  if (transposed) kernels::conv_transpose2d_backward<T>(g, x, w, gy, gx, gw, gb);
  else kernels::conv2d_backward<T>(g, x, w, gy, gx, gw, gb);
}

}  // namespace

Tensor run_convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const kernels::Conv2dGeometry& g,
                       bool transposed) {
  const Dims in_shape{g.batch, g.in_channels, g.in_h, g.in_w}, out_shape{g.batch, g.out_channels, g.out_h, g.out_w};
  const Dims& y_shape = transposed ? in_shape : out_shape;
  const Dims& x_shape = transposed ? out_shape : in_shape;
  const int64_t bias_size = transposed ? g.in_channels : g.out_channels;
  Tensor x = kernels::contiguous(input), w = kernels::contiguous(weight);
  Tensor b = bias.defined() ? kernels::contiguous(bias) : Tensor();
  Tensor out = detail::make_empty(y_shape, x.dtype());
  AG_DISPATCH_FLOATING(x.dtype(), "convolution", [&] {
    forward_kernel<scalar_t>(transposed, g, x.data_ptr<scalar_t>(), w.data_ptr<scalar_t>(),
                             b.defined() ? b.data_ptr<scalar_t>() : nullptr, out.data_ptr<scalar_t>());
  });
  if (autograd::any_requires_grad({&input, &weight, &bias})) {
    // dW needs the input, dx needs the weight: save only what a wanted gradient reads.
    SavedTensor sx(weight.requires_grad() ? x : Tensor()), sw(input.requires_grad() ? w : Tensor());
    Dims w_shape = weight.sizes();
    record("ConvolutionBackward0", out, {&input, &weight, &bias},
           [sx, sw, g, w_shape, x_shape, bias_size, transposed](const Tensor& grad, NeedsGrad n) -> TensorList {
             Tensor gy = kernels::contiguous(grad), gx, gw, gb;
             const ScalarType t = gy.dtype();
             if (n[0]) gx = detail::make_empty(x_shape, t);
             if (n[1]) gw = detail::make_empty(w_shape, t);
             if (n[2]) gb = detail::make_empty({bias_size}, t);
             const Tensor& xv = sx.unpack("ConvolutionBackward0");
             const Tensor& wv = sw.unpack("ConvolutionBackward0");
             AG_DISPATCH_FLOATING(t, "convolution_backward", [&] {
               auto ptr = [](const Tensor& v) { return v.defined() ? v.data_ptr<scalar_t>() : nullptr; };
               backward_kernel<scalar_t>(transposed, g, ptr(xv), ptr(wv), gy.data_ptr<scalar_t>(), ptr(gx), ptr(gw),
                                         ptr(gb));
             });
             return {gx, gw, gb};
           });
  }
  return out;
}

}  // namespace ag::ops
