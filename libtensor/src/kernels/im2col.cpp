// im2col and its adjoint col2im: one walk over (channel, kernel tap, output row),
// which either gathers input pixels into the column matrix or adds column
// entries back onto the pixels they came from. Only in-image entries are
// visited: the padding entries of a column matrix are the same zeros for every
// image, so they are written once when the buffer is created (conv2d.cpp).
#include <algorithm>

#include "kernels/conv2d.h"
#include "kernels/window.h"

namespace ag::kernels {

namespace {

// kGather: col = im2col(image) on the in-image entries. Otherwise image += col2im(col).
template <bool kGather, typename T>
void walk_taps(const Conv2dGeometry& g, T* image, T* col) {
  const int64_t H = g.in_h, W = g.in_w, OH = g.out_h, OW = g.out_w, P = OH * OW;
  const int64_t sw = g.stride_w;
  for (int64_t c = 0; c < g.in_channels; ++c) {
    T* plane = image + c * H * W;
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        T* row = col + ((c * g.kernel_h + i) * g.kernel_w + j) * P;
        const int64_t off_w = j * g.dil_w - g.pad_w;
        const OutputRange r = outputs_inside(off_w, sw, W, OW);
        for (int64_t oh = 0; oh < OH; ++oh) {
          const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dil_h;
          if (ih < 0 || ih >= H) continue;
          T* seg = row + oh * OW;
          T* in_row = plane + ih * W;
          // Loops, not std::copy: a run is one output row, too short to pay for a memmove call.
          if constexpr (kGather) {
            if (sw == 1) {
              for (int64_t ow = r.lo; ow < r.hi; ++ow) seg[ow] = in_row[ow + off_w];
            } else {
              for (int64_t ow = r.lo; ow < r.hi; ++ow) seg[ow] = in_row[ow * sw + off_w];
            }
          } else if (sw == 1) {
            for (int64_t ow = r.lo; ow < r.hi; ++ow) in_row[ow + off_w] += seg[ow];
          } else {
            for (int64_t ow = r.lo; ow < r.hi; ++ow) in_row[ow * sw + off_w] += seg[ow];
          }
        }
      }
    }
  }
}

}  // namespace

template <typename T>
void im2col(const Conv2dGeometry& g, const T* image, T* col) {
  walk_taps<true>(g, const_cast<T*>(image), col);  // the gather only reads `image`
}

template <typename T>
void col2im(const Conv2dGeometry& g, const T* col, T* image) {
  std::fill(image, image + g.in_image(), T(0));
  walk_taps<false>(g, image, const_cast<T*>(col));  // the scatter only reads `col`
}

template void im2col<float>(const Conv2dGeometry&, const float*, float*);
template void im2col<double>(const Conv2dGeometry&, const double*, double*);
template void col2im<float>(const Conv2dGeometry&, const float*, float*);
template void col2im<double>(const Conv2dGeometry&, const double*, double*);

}  // namespace ag::kernels
