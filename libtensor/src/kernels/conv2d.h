// 2-D convolution on raw NCHW buffers: the geometry, the im2col lowering and
// the forward/backward loops that turn each image into BLAS products.
#pragma once
#include <cstdint>

namespace ag::kernels {

/// Everything the convolution loops need to know about one conv2d call.
/// Shapes: input [batch, in_channels, in_h, in_w], weight [out_channels,
/// in_channels/groups, kernel_h, kernel_w], output [batch, out_channels, out_h, out_w].
struct Conv2dGeometry {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, kernel_h, kernel_w;
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
  int64_t out_h, out_w;

  int64_t group_in() const { return in_channels / groups; }
  int64_t group_out() const { return out_channels / groups; }
  /// Rows of one group's column matrix: the length of one output element's dot product.
  int64_t col_rows() const { return group_in() * kernel_h * kernel_w; }
  int64_t out_plane() const { return out_h * out_w; }
  int64_t in_image() const { return in_channels * in_h * in_w; }
  int64_t out_image() const { return out_channels * out_h * out_w; }
  /// A 1×1 kernel with unit stride and no padding: the image already is its column matrix.
  bool is_pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_h == 0 && pad_w == 0;
  }
};

/// Copies one image [C, H, W] into its column matrix [C*kh*kw, out_h*out_w]: row (c, i, j) holds
/// the input pixel under kernel tap (i, j) for every output position. Writes only the entries that
/// come from inside the image: `col` must already hold zeros at the padding entries (a buffer
/// zero-filled once and written only by im2col for this geometry).
template <typename T>
void im2col(const Conv2dGeometry& g, const T* image, T* col);

/// The adjoint of im2col: image = 0, then every in-image column entry is added to the pixel it came
/// from. Overwrites some padding entries of `col` with zeros.
template <typename T>
void col2im(const Conv2dGeometry& g, T* col, T* image);

/// How the per-image products share the cores.
enum class ConvThreading {
  kAuto,        // over the batch when it has at least one image per thread, else inside BLAS
  kOverBatch,   // allgrad's pool splits the batch; each task calls single-threaded BLAS
  kInsideBlas,  // images one after another; OpenBLAS threads each product
};

/// y = conv(x, w) + bias (bias may be null).
template <typename T>
void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, const T* bias, T* y,
                    ConvThreading how = ConvThreading::kAuto);

/// Gradients from gy = dL/dy. Each of gx, gw, gb may be null when not wanted;
/// x may be null when gw is, w may be null when gx is. Overwrites (does not accumulate into) the outputs.
template <typename T>
void conv2d_backward(const Conv2dGeometry& g, const T* x, const T* w, const T* gy, T* gx, T* gw, T* gb,
                     ConvThreading how = ConvThreading::kAuto);

}  // namespace ag::kernels
