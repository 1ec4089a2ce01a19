// max_pool2d and avg_pool2d: argument checks, PyTorch's output-size rule
// (including ceil_mode), and the autograd nodes around kernels/pool2d.cpp.
#include "ag/nn/functional_conv.h"
#include "kernels/pool2d.h"
#include "ops/op_util.h"
#include "ops/size2_text.h"

namespace ag::nn::functional {

using namespace ops;

namespace {

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// PyTorch's pooling_output_shape: with ceil_mode the last window must still start inside the image or its left padding.
int64_t pooled_size(int64_t in, int64_t kernel, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  int64_t out = floor_div(in + 2 * pad - dil * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Checks the arguments and measures the call; `op` names it in errors.
kernels::Pool2dGeometry measure(const char* op, const Tensor& x, Size2 kernel, std::optional<Size2> stride_opt,
                                Size2 pad, Size2 dil, bool ceil_mode) {
  auto fail = [op](const std::string& msg) { throw std::invalid_argument(std::string(op) + ": " + msg); };
  check_defined(x, op);
  if (x.dim() != 3 && x.dim() != 4)
    fail("expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got input of shape " + to_string(x.sizes()));
  if (!x.is_floating_point()) fail(std::string("expected a float32 or float64 input, got ") + dtype_name(x.dtype()));
  Size2 stride = stride_opt.value_or(kernel);
  if (kernel.h < 1 || kernel.w < 1) fail("kernel_size must be positive, got " + pair_str(kernel));
  if (stride.h < 1 || stride.w < 1) fail("stride must be positive, got " + pair_str(stride));
  if (dil.h < 1 || dil.w < 1) fail("dilation must be positive, got " + pair_str(dil));
  if (pad.h < 0 || pad.w < 0 || pad.h > kernel.h / 2 || pad.w > kernel.w / 2)
    fail("padding must be non-negative and at most half the kernel size, got padding " + pair_str(pad) +
         " for kernel_size " + pair_str(kernel));
  kernels::Pool2dGeometry g{};
  g.in_h = x.size(-2);
  g.in_w = x.size(-1);
  g.planes = x.size(0) * (x.dim() == 4 ? x.size(1) : 1);
  g.kernel_h = kernel.h;
  g.kernel_w = kernel.w;
  g.stride_h = stride.h;
  g.stride_w = stride.w;
  g.pad_h = pad.h;
  g.pad_w = pad.w;
  g.dil_h = dil.h;
  g.dil_w = dil.w;
  g.out_h = pooled_size(g.in_h, kernel.h, pad.h, stride.h, dil.h, ceil_mode);
  g.out_w = pooled_size(g.in_w, kernel.w, pad.w, stride.w, dil.w, ceil_mode);
  if (g.out_h < 1 || g.out_w < 1)
    fail("input " + to_string(x.sizes()) + " is too small for kernel_size " + pair_str(kernel) + ", stride " +
         pair_str(stride) + ", padding " + pair_str(pad) + " and dilation " + pair_str(dil) +
         ": the output would be " + std::to_string(g.out_h) + " x " + std::to_string(g.out_w));
  return g;
}

Dims pooled_shape(const Tensor& x, const kernels::Pool2dGeometry& g) {
  Dims s = x.sizes();
  s[s.size() - 2] = g.out_h;
  s[s.size() - 1] = g.out_w;
  return s;
}

}  // namespace

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride,
                                                  Size2 padding, Size2 dilation, bool ceil_mode) {
  const kernels::Pool2dGeometry g = measure("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode);
  Tensor x = kernels::contiguous(input);
  Dims out_shape = pooled_shape(input, g);
  Tensor out = detail::make_empty(out_shape, x.dtype()), indices = detail::make_empty(out_shape, kInt64);
  AG_DISPATCH_FLOATING(x.dtype(), "max_pool2d", [&] {
    kernels::max_pool2d_forward<scalar_t>(g, x.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(),
                                          indices.data_ptr<int64_t>());
  });
  if (autograd::any_requires_grad({&input})) {
    Dims in_shape = input.sizes();
    record("MaxPool2DWithIndicesBackward0", out, {&input},
           [si = SavedTensor(indices), g, in_shape](const Tensor& grad, NeedsGrad) -> TensorList {
             Tensor gy = kernels::contiguous(grad), gx = detail::make_empty(in_shape, gy.dtype());
             AG_DISPATCH_FLOATING(gy.dtype(), "max_pool2d_backward", [&] {
               kernels::max_pool2d_backward<scalar_t>(g, gy.data_ptr<scalar_t>(),
                                                      si.unpack("MaxPool2DWithIndicesBackward0").data_ptr<int64_t>(),
                                                      gx.data_ptr<scalar_t>());
             });
             return {gx};
           });
  }
  return {out, indices};
}

Tensor max_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride, Size2 padding, Size2 dilation,
                  bool ceil_mode) {
  return max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode).first;
}

Tensor avg_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride, Size2 padding, bool ceil_mode,
                  bool count_include_pad, std::optional<int64_t> divisor_override) {
  const kernels::Pool2dGeometry g = measure("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode);
  if (divisor_override && *divisor_override == 0)
    throw std::invalid_argument("avg_pool2d: divisor_override must be non-zero");
  const kernels::AvgDivisor d{count_include_pad, divisor_override.value_or(0)};
  Tensor x = kernels::contiguous(input);
  Tensor out = detail::make_empty(pooled_shape(input, g), x.dtype());
  AG_DISPATCH_FLOATING(x.dtype(), "avg_pool2d", [&] {
    kernels::avg_pool2d_forward<scalar_t>(g, d, x.data_ptr<scalar_t>(), out.data_ptr<scalar_t>());
  });
  if (autograd::any_requires_grad({&input})) {
    Dims in_shape = input.sizes();
    record("AvgPool2DBackward0", out, {&input}, [g, d, in_shape](const Tensor& grad, NeedsGrad) -> TensorList {
      Tensor gy = kernels::contiguous(grad), gx = detail::make_empty(in_shape, gy.dtype());
      AG_DISPATCH_FLOATING(gy.dtype(), "avg_pool2d_backward", [&] {
        kernels::avg_pool2d_backward<scalar_t>(g, d, gy.data_ptr<scalar_t>(), gx.data_ptr<scalar_t>());
      });
      return {gx};
    });
  }
  return out;
}

}  // namespace ag::nn::functional
