// Transposed 2-D convolution on raw NCHW buffers, as the adjoint of a conv2d:
// the transposed conv of x is the input gradient of the conv2d that maps the
// transposed conv's output shape to x's shape, so the conv2d kernels serve both.
#pragma once
#include "kernels/conv2d.h"

namespace ag::kernels {

/// `adj` is the geometry of the adjoint conv2d: its input is the transposed conv's output
/// y [batch, in_channels, in_h, in_w], its output is the transposed conv's input x
/// [batch, out_channels, out_h, out_w], and the weight [out_channels, in_channels/groups, kh, kw]
/// is the transposed conv's weight as PyTorch lays it out.
/// y = conv2dᵀ(x, w) + bias (bias of adj.in_channels entries, may be null).
template <typename T>
void conv_transpose2d_forward(const Conv2dGeometry& adj, const T* x, const T* w, const T* bias, T* y);

/// Gradients from gy = dL/dy: gx = conv2d(gy, w), gw = the adjoint conv's weight gradient with gy
/// as its input and x as its output gradient, gb = Σ gy per channel. Any of gx, gw, gb may be
/// null when not wanted (then w, resp. x, may be null too). Overwrites the outputs.
template <typename T>
void conv_transpose2d_backward(const Conv2dGeometry& adj, const T* x, const T* w, const T* gy, T* gx, T* gw, T* gb);

}  // namespace ag::kernels
