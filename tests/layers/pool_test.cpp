// max_pool2d and avg_pool2d: a worked example, values and indices against
// loops written from the definition (padding, stride, dilation, ceil_mode,
// count_include_pad, divisor_override), gradients, and the error messages.
#include <cmath>
#include <limits>

#include "layers/layers_util.h"

namespace F = ag::nn::functional;
using ag::Tensor;
using ag::TensorList;
using agtest::leaf;
using agtest::values;

namespace {

struct PoolCase {
  ag::Dims shape;
  F::Size2 kernel, stride, padding, dilation;
  bool ceil_mode;
};

// PyTorch's output size, written out: floor (or ceil) of the span over the stride, plus one, and with
// ceil_mode the last window must start inside the image or its left padding.
int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  double span = static_cast<double>(in + 2 * p - d * (k - 1) - 1) / static_cast<double>(s);
  int64_t out = static_cast<int64_t>(ceil_mode ? std::ceil(span) : std::floor(span)) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

// Max and argmax over the in-image taps of every window, visited row by row with PyTorch's rule
// (a later tap wins if it is greater or NaN; the index starts at the first in-image tap).
std::pair<Tensor, Tensor> naive_max_pool(const Tensor& x, const PoolCase& c) {
  const int64_t planes = x.numel() / (x.size(-1) * x.size(-2)), H = x.size(-2), W = x.size(-1);
  const int64_t OH = out_size(H, c.kernel.h, c.stride.h, c.padding.h, c.dilation.h, c.ceil_mode);
  const int64_t OW = out_size(W, c.kernel.w, c.stride.w, c.padding.w, c.dilation.w, c.ceil_mode);
  std::vector<double> xv = values(x), y, idx;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        double best = -INFINITY;
        int64_t at = -1, first = -1;
        for (int64_t i = 0; i < c.kernel.h; ++i)
          for (int64_t j = 0; j < c.kernel.w; ++j) {
            int64_t h = oh * c.stride.h - c.padding.h + i * c.dilation.h;
            int64_t w = ow * c.stride.w - c.padding.w + j * c.dilation.w;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            double v = xv[(p * H + h) * W + w];
            if (first < 0) first = h * W + w;
            if (v > best || std::isnan(v)) best = v, at = h * W + w;
          }
        y.push_back(best);
        idx.push_back(static_cast<double>(at < 0 ? first : at));
      }
  ag::Dims shape = x.sizes();
  shape[shape.size() - 2] = OH;
  shape[shape.size() - 1] = OW;
  return {ag::from_vector(y, shape), ag::from_vector(idx, shape)};
}

Tensor naive_avg_pool(const Tensor& x, const PoolCase& c, bool count_include_pad, int64_t divisor_override) {
  const int64_t planes = x.numel() / (x.size(-1) * x.size(-2)), H = x.size(-2), W = x.size(-1);
  const int64_t OH = out_size(H, c.kernel.h, c.stride.h, c.padding.h, 1, c.ceil_mode);
  const int64_t OW = out_size(W, c.kernel.w, c.stride.w, c.padding.w, 1, c.ceil_mode);
  std::vector<double> xv = values(x), y;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        double sum = 0;
        int64_t real = 0, padded = 0;
        for (int64_t i = 0; i < c.kernel.h; ++i)
          for (int64_t j = 0; j < c.kernel.w; ++j) {
            int64_t h = oh * c.stride.h - c.padding.h + i, w = ow * c.stride.w - c.padding.w + j;
            if (h >= H + c.padding.h || w >= W + c.padding.w) continue;  // beyond the padding (ceil_mode)
            ++padded;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            ++real;
            sum += xv[(p * H + h) * W + w];
          }
        int64_t div = divisor_override ? divisor_override : count_include_pad ? padded : real;
        y.push_back(sum / static_cast<double>(div));
      }
  ag::Dims shape = x.sizes();
  shape[shape.size() - 2] = OH;
  shape[shape.size() - 1] = OW;
  return ag::from_vector(y, shape);
}

const PoolCase kCases[] = {
    {{2, 3, 8, 8}, 2, 2, 0, 1, false},          // the ConvNet's pool
    {{2, 2, 7, 9}, 3, 2, 1, 1, false},
    {{1, 2, 7, 7}, {3, 2}, {2, 1}, {1, 0}, 1, false},
    {{2, 2, 7, 8}, 3, 2, 1, 1, true},           // ceil_mode: a last, partial window
    {{1, 3, 5, 5}, 2, 2, 1, 1, true},           // ceil_mode whose extra window would start in the padding: dropped
    {{3, 9, 9}, 3, 3, 0, 1, false},             // unbatched
    {{1, 2, 9, 10}, 3, 2, 1, {2, 3}, false},    // dilation (max only)
    {{2, 2, 7, 9}, 2, 2, 0, 1, false},          // tiling windows that leave a row and a column out
    {{1, 2, 6, 9}, {2, 3}, {2, 3}, 0, 1, false},  // tiling windows, not square
};

// Equal as the same bits would be: NaN matches NaN.
bool same_values(const Tensor& a, const Tensor& b) {
  std::vector<double> x = values(a), y = values(b);
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
  return true;
}

}  // namespace

TEST(MaxPool2d, WorkedExample) {
  Tensor x = ag::tensor({{{{1., 5., 2., 0.}, {3., 4., 8., 7.}, {9., 0., 1., 1.}, {2., 6., 1., 3.}}}});
  auto [y, idx] = F::max_pool2d_with_indices(x, 2);
  EXPECT_TRUE(y.equal(ag::tensor({{{{5., 8.}, {9., 3.}}}})));
  EXPECT_TRUE(idx.equal(ag::tensor({{{{1, 6}, {8, 15}}}})));
  EXPECT_EQ(idx.dtype(), ag::kInt64);
  // ceil_mode keeps a last partial window (8 → 5, not 4) unless it would start in the right padding (5 → 3, not 4).
  EXPECT_EQ(F::max_pool2d(ag::ones({1, 8, 8}), 3, 2, 1, 1, true).sizes(), (ag::Dims{1, 5, 5}));
  EXPECT_EQ(F::max_pool2d(ag::ones({1, 8, 8}), 3, 2, 1, 1, false).sizes(), (ag::Dims{1, 4, 4}));
  EXPECT_EQ(F::avg_pool2d(ag::ones({1, 5, 5}), 2, 2, 1, true).sizes(), (ag::Dims{1, 3, 3}));
}

TEST(MaxPool2d, MatchesDirectLoops) {
  for (ag::ScalarType dt : {ag::kFloat32, ag::kFloat64}) {
    int seed = 30;
    for (const PoolCase& c : kCases) {
      ag::manual_seed(seed++);
      Tensor x = ag::randn(c.shape, dt);
      auto [y, idx] = F::max_pool2d_with_indices(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
      auto [ry, ridx] = naive_max_pool(x, c);
      ASSERT_EQ(y.sizes(), ry.sizes()) << "case " << seed;
      EXPECT_EQ(agtest::max_abs_diff(y, ry), 0.0) << "case " << seed;
      EXPECT_EQ(agtest::max_abs_diff(idx, ridx), 0.0) << "case " << seed;
      EXPECT_TRUE(F::max_pool2d(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode).equal(y));
    }
  }
}

TEST(MaxPool2d, TiesAndNansPickTheTapPyTorchPicks) {
  // Values from {0, 1, NaN}: many ties and several NaNs per window, for every path of the kernels.
  for (const PoolCase& c : kCases) {
    ag::Generator gen(77);
    Tensor codes = ag::randint(0, 3, c.shape, {}, &gen).to(ag::kFloat32);
    Tensor x = ag::where(codes == 2.0, ag::full_like(codes, NAN), codes);
    auto [y, idx] = F::max_pool2d_with_indices(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
    auto [ry, ridx] = naive_max_pool(x, c);
    EXPECT_TRUE(same_values(y, ry)) << to_string(c.shape);
    EXPECT_TRUE(same_values(idx, ridx)) << to_string(c.shape);
  }
}

TEST(MaxPool2d, NanWinsAndStrideDefaultsToKernel) {
  Tensor x = ag::tensor({{{1., NAN, 2., 3.}, {0., 0., 9., 9.}}});
  Tensor y = F::max_pool2d(x, 2);
  EXPECT_EQ(y.sizes(), (ag::Dims{1, 1, 2}));
  EXPECT_TRUE(std::isnan(y.index({0, 0, 0}).item()));
  EXPECT_EQ(y.index({0, 0, 1}).item(), 9.0);
}

TEST(AvgPool2d, MatchesDirectLoops) {
  for (ag::ScalarType dt : {ag::kFloat32, ag::kFloat64}) {
    int seed = 60;
    for (const PoolCase& c : kCases) {
      if (c.dilation.h != 1 || c.dilation.w != 1) continue;
      ag::manual_seed(seed++);
      Tensor x = ag::randn(c.shape, dt);
      for (bool include_pad : {true, false})
        for (int64_t div : {0, 5}) {
          Tensor y = F::avg_pool2d(x, c.kernel, c.stride, c.padding, c.ceil_mode, include_pad,
                                   div ? std::optional<int64_t>(div) : std::nullopt);
          Tensor ref = naive_avg_pool(x, c, include_pad, div);
          ASSERT_EQ(y.sizes(), ref.sizes()) << "case " << seed;
          EXPECT_LT(agtest::max_abs_diff(y, ref), 1e-6) << "case " << seed << " include_pad " << include_pad;
        }
    }
  }
}

TEST(AvgPool2d, WorkedExampleWithPadding) {
  Tensor x = ag::tensor({{{4., 8.}, {2., 6.}}});
  // One 3×3 window centred on the 2×2 image: 20 / 9 with the padding counted, 20 / 4 without.
  EXPECT_NEAR(F::avg_pool2d(x, 3, 1, 1).index({0, 0, 0}).item(), 20.0 / 9, 1e-6);
  EXPECT_NEAR(F::avg_pool2d(x, 3, 1, 1, false, false).index({0, 0, 0}).item(), 5.0, 1e-6);
}

TEST(Pool2dGrad, EveryCase) {
  int seed = 200;
  for (const PoolCase& c : kCases) {
    // Distinct values keep each window's maximum away from ties, where the max is not differentiable.
    ag::Dims shape = c.shape;
    int64_t n = ag::numel_of(shape);
    Tensor x = (ag::randperm(n, nullptr).to(ag::kFloat64) * 0.1).view(shape).detach().requires_grad_();
    EXPECT_GRADCHECK(
        [&c](const TensorList& in) {
          return F::max_pool2d(in[0], c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
        },
        {x});
    if (c.dilation.h != 1 || c.dilation.w != 1) continue;
    Tensor xa = leaf(shape, seed++);
    for (bool include_pad : {true, false})
      EXPECT_GRADCHECK(
          [&c, include_pad](const TensorList& in) {
            return F::avg_pool2d(in[0], c.kernel, c.stride, c.padding, c.ceil_mode, include_pad);
          },
          {xa});
    EXPECT_GRADCHECK([&c](const TensorList& in) { return F::avg_pool2d(in[0], c.kernel, c.stride, c.padding, c.ceil_mode, true, 7); },
                     {xa});
  }
}

TEST(Pool2dGrad, OverlappingWindowsAccumulate) {
  // Stride 1, kernel 2: the centre pixel of a 3×3 plane is the max of all four windows.
  Tensor x = ag::tensor({{{0., 1., 0.}, {1., 5., 1.}, {0., 1., 0.}}}, ag::requires_grad());
  F::max_pool2d(x, 2, 1).sum().backward();
  EXPECT_TRUE(x.grad().equal(ag::tensor({{{0., 0., 0.}, {0., 4., 0.}, {0., 0., 0.}}})));
}

TEST(Pool2dErrors, NameTheOpAndTheShapes) {
  using agtest::error_of;
  EXPECT_EQ(error_of([] { F::max_pool2d(ag::ones({2, 3, 1, 1}), 2); }),
            "max_pool2d: input [2, 3, 1, 1] is too small for kernel_size (2, 2), stride (2, 2), padding (0, 0) and "
            "dilation (1, 1): the output would be 0 x 0");
  EXPECT_EQ(error_of([] { F::avg_pool2d(ag::ones({8, 8}), 2); }),
            "avg_pool2d: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got input of shape [8, 8]");
  EXPECT_EQ(error_of([] { F::max_pool2d(ag::ones({1, 8, 8}), 3, 1, 2); }),
            "max_pool2d: padding must be non-negative and at most half the kernel size, got padding (2, 2) for "
            "kernel_size (3, 3)");
  EXPECT_NE(error_of([] { F::avg_pool2d(ag::ones({1, 8, 8}), 2, 0); }).find("stride must be positive"),
            std::string::npos);
  EXPECT_NE(error_of([] { F::avg_pool2d(ag::ones({1, 8, 8}), 2, 2, 0, false, true, 0); }).find("divisor_override"),
            std::string::npos);
  EXPECT_NE(error_of([] { F::max_pool2d(ag::ones({1, 8, 8}, ag::kInt64), 2); }).find("int64"), std::string::npos);
}
