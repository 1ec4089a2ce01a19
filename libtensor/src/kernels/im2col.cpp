// im2col and its adjoint col2im: one walk over (channel, kernel tap), which
// either gathers input pixels into the column matrix or adds column entries
// back onto the pixels they came from. Only in-image entries are visited: the
// padding entries of a column matrix are the same zeros for every image, so
// they are written once when the buffer is created (conv2d.cpp).
//
// Note [Same-size rows]: with unit strides and an output as wide as the input
// ("same" padding, the usual 3×3 pad 1 or 5×5 pad 2), column entry q of a tap
// reads input pixel q + shift for one shift per tap. The tap's in-image entries
// then form one run in both buffers, apart from a few entries per row that the
// run wraps across (left and right padding); one long copy plus a few zeros
// replaces a short copy per output row.
#include <algorithm>

#include "kernels/conv2d.h"
#include "kernels/window.h"

namespace ag::kernels {

namespace {

bool same_size_rows(const Conv2dGeometry& g) { return g.stride_h == 1 && g.stride_w == 1 && g.out_w == g.in_w; }

// The output rows [lo, hi) whose input row oh − pad_h + i·dil_h for kernel row i is inside the image.
OutputRange rows_inside(const Conv2dGeometry& g, int64_t i) {
  return outputs_inside(i * g.dil_h - g.pad_h, g.stride_h, g.in_h, g.out_h);
}

// kGather: col = im2col(image) on the in-image entries. Otherwise image += col2im(col); the
// scatter zeroes the wrapped entries of `col` first (Note [Same-size rows]).
template <bool kGather, typename T>
void walk_taps(const Conv2dGeometry& g, T* image, T* col) {
  const int64_t H = g.in_h, W = g.in_w, OW = g.out_w, P = g.out_h * OW;
  const int64_t sw = g.stride_w;
  const bool runs = same_size_rows(g);
  for (int64_t c = 0; c < g.in_channels; ++c) {
    T* plane = image + c * H * W;
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      const OutputRange rows = rows_inside(g, i);
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        T* row = col + ((c * g.kernel_h + i) * g.kernel_w + j) * P;
        const int64_t off_w = j * g.dil_w - g.pad_w;
        const OutputRange r = outputs_inside(off_w, sw, W, OW);
        if (rows.lo >= rows.hi || r.lo >= r.hi) continue;
        if (runs) {
          // Entry q reads pixel q + shift; the run wraps over the (OW − hi) + lo padding entries between rows.
          const int64_t shift = (i * g.dil_h - g.pad_h) * W + off_w;
          const int64_t begin = rows.lo * OW + r.lo, end = (rows.hi - 1) * OW + r.hi;
          // q + shift lies inside the plane for every q in [begin, end).
          if constexpr (kGather) {
            for (int64_t q = begin; q < end; ++q) row[q] = plane[q + shift];
          }
          for (int64_t oh = rows.lo; oh + 1 < rows.hi; ++oh)
            for (int64_t q = oh * OW + r.hi; q < (oh + 1) * OW + r.lo; ++q) row[q] = T(0);
          if constexpr (!kGather) {
            for (int64_t q = begin; q < end; ++q) plane[q + shift] += row[q];
          }
          continue;
        }
        for (int64_t oh = rows.lo; oh < rows.hi; ++oh) {
          T* seg = row + oh * OW;
          T* in_row = plane + (oh * g.stride_h - g.pad_h + i * g.dil_h) * W;
          // Loops, not std::copy: a run is one output row, too short to pay for a memmove call.
          for (int64_t ow = r.lo; ow < r.hi; ++ow) {
            if constexpr (kGather)
              seg[ow] = in_row[ow * sw + off_w];
            else
              in_row[ow * sw + off_w] += seg[ow];
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
void col2im(const Conv2dGeometry& g, T* col, T* image) {
  std::fill(image, image + g.in_image(), T(0));
  walk_taps<false>(g, image, col);
}

template void im2col<float>(const Conv2dGeometry&, const float*, float*);
template void im2col<double>(const Conv2dGeometry&, const double*, double*);
template void col2im<float>(const Conv2dGeometry&, float*, float*);
template void col2im<double>(const Conv2dGeometry&, double*, double*);

}  // namespace ag::kernels
