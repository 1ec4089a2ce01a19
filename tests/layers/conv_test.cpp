// conv2d: values against a direct 7-loop convolution for every argument
// (stride, padding, dilation, groups, bias, layouts, dtypes), gradients by
// finite differences, thread-count independence, and the error messages.
#include "layers/layers_util.h"

namespace F = ag::nn::functional;
using ag::Tensor;
using ag::TensorList;
using agtest::leaf;
using agtest::values;

namespace {

struct ConvCase {
  ag::Dims x_shape;  // [N, C, H, W]
  int64_t out_channels, kh, kw;
  F::Size2 stride, padding, dilation;
  int64_t groups;
  bool bias;
};

// The definition: y[n,o,oh,ow] = b[o] + Σ_{c,i,j} x[n, g·Cg + c, oh·sh − ph + i·dh, ow·sw − pw + j·dw] · w[o,c,i,j].
Tensor naive_conv(const Tensor& x, const Tensor& w, const Tensor& b, const ConvCase& k) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(0), Cg = w.size(1), KH = w.size(2), KW = w.size(3), Og = O / k.groups;
  const int64_t OH = (H + 2 * k.padding.h - k.dilation.h * (KH - 1) - 1) / k.stride.h + 1;
  const int64_t OW = (W + 2 * k.padding.w - k.dilation.w * (KW - 1) - 1) / k.stride.w + 1;
  std::vector<double> xv = values(x), wv = values(w), bv = b.defined() ? values(b) : std::vector<double>(O, 0.0);
  std::vector<double> y(N * O * OH * OW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double s = bv[o];
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < KH; ++i)
              for (int64_t j = 0; j < KW; ++j) {
                int64_t ih = oh * k.stride.h - k.padding.h + i * k.dilation.h;
                int64_t iw = ow * k.stride.w - k.padding.w + j * k.dilation.w;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                int64_t ci = (o / Og) * Cg + c;
                s += xv[((n * C + ci) * H + ih) * W + iw] * wv[((o * Cg + c) * KH + i) * KW + j];
              }
          y[((n * O + o) * OH + oh) * OW + ow] = s;
        }
  return ag::from_vector(y, {N, O, OH, OW});
}

const ConvCase kCases[] = {
    {{2, 3, 7, 6}, 4, 3, 3, 1, 0, 1, 1, true},
    {{2, 3, 7, 6}, 4, 3, 2, 1, 1, 1, 1, false},
    {{1, 2, 9, 8}, 3, 3, 3, {2, 3}, {1, 2}, 1, 1, true},
    {{2, 2, 9, 9}, 2, 3, 3, 1, 2, {2, 3}, 1, true},
    {{2, 4, 6, 5}, 6, 3, 3, 1, 1, 1, 2, true},
    {{1, 6, 5, 5}, 6, 3, 3, 2, 1, 1, 6, false},  // depthwise
    {{2, 4, 5, 4}, 6, 1, 1, 1, 0, 1, 2, true},   // pointwise: no im2col
    {{2, 3, 5, 5}, 2, 1, 1, 2, 1, 1, 1, true},   // 1×1 with stride and padding: lowered
    {{3, 1, 8, 8}, 5, 5, 5, 1, 2, 1, 1, true},   // the ConvNet's first layer, small
    {{1, 2, 4, 4}, 3, 4, 4, 1, 0, 1, 1, true},   // kernel as large as the image
    // Output rows as wide as the input rows: im2col copies whole runs (Note [Same-size rows]).
    {{2, 2, 7, 8}, 3, 3, 3, 1, 2, 2, 1, true},           // with dilation
    {{1, 2, 6, 5}, 2, 3, 3, 1, {0, 1}, 1, 1, false},     // fewer output rows than input rows
    {{2, 3, 8, 6}, 4, 3, 3, 1, 1, {2, 1}, 1, true},      // dilated rows only
};

}  // namespace

TEST(Conv2d, MatchesDirectLoopsForEveryArgument) {
  for (ag::ScalarType dt : {ag::kFloat32, ag::kFloat64}) {
    int seed = 10;
    for (const ConvCase& k : kCases) {
      ag::manual_seed(seed++);
      Tensor x = ag::randn(k.x_shape, dt), w = ag::randn({k.out_channels, k.x_shape[1] / k.groups, k.kh, k.kw}, dt);
      Tensor b = k.bias ? ag::randn({k.out_channels}, dt) : Tensor();
      Tensor y = F::conv2d(x, w, b, k.stride, k.padding, k.dilation, k.groups);
      EXPECT_EQ(y.dtype(), dt);
      Tensor ref = naive_conv(x, w, b, k);
      ASSERT_EQ(y.sizes(), ref.sizes()) << "case " << seed;
      EXPECT_LT(agtest::max_abs_diff(y, ref), dt == ag::kFloat32 ? 1e-4 : 1e-12) << "case " << seed;
    }
  }
}

TEST(Conv2d, StridedInputAndUnbatchedInput) {
  ag::manual_seed(3);
  ConvCase k{{2, 3, 6, 5}, 4, 3, 3, 1, 1, 1, 1, true};
  Tensor x = ag::randn({2, 6, 5, 3}).permute({0, 3, 1, 2});  // [2, 3, 6, 5], channels innermost in memory
  ASSERT_FALSE(x.is_contiguous());
  Tensor w = ag::randn({4, 3, 3, 3}).transpose(2, 3), b = ag::randn({4});
  EXPECT_LT(agtest::max_abs_diff(F::conv2d(x, w, b, 1, 1), naive_conv(x, w, b, k)), 1e-4);
  Tensor one = x.select(0, 1);
  Tensor y = F::conv2d(one, w, b, 1, 1);
  EXPECT_EQ(y.sizes(), (ag::Dims{4, 6, 5}));
  EXPECT_LT(agtest::max_abs_diff(y, naive_conv(x, w, b, k).select(0, 1)), 1e-4);
}

TEST(Conv2dGrad, EveryInputForEveryArgument) {
  int seed = 100;
  for (const ConvCase& k : kCases) {
    ag::Dims small = k.x_shape;
    small[0] = std::min<int64_t>(small[0], 2);
    Tensor x = leaf(small, seed++), w = leaf({k.out_channels, k.x_shape[1] / k.groups, k.kh, k.kw}, seed++);
    Tensor b = k.bias ? leaf({k.out_channels}, seed++) : Tensor();
    auto fn = [&k](const TensorList& in) {
      return F::conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), k.stride, k.padding, k.dilation, k.groups);
    };
    TensorList inputs = k.bias ? TensorList{x, w, b} : TensorList{x, w};
    EXPECT_GRADCHECK(fn, inputs);
  }
}

TEST(Conv2dGrad, OnlyTheWantedGradients) {
  // The first layer of a network: the images need no gradient, so dx is never formed.
  Tensor x = ag::randn({2, 1, 6, 6}, ag::kFloat64), w = leaf({3, 1, 3, 3}, 7), b = leaf({3}, 8);
  EXPECT_GRADCHECK([](const TensorList& in) { return F::conv2d(in[0], in[1], in[2], 1, 1); }, {x, w, b});
  Tensor xg = leaf({2, 2, 5, 5}, 9), wc = ag::randn({3, 2, 3, 3}, ag::kFloat64);
  EXPECT_GRADCHECK([](const TensorList& in) { return F::conv2d(in[0], in[1], Tensor(), 2, 1); }, {xg, wc});
  Tensor y = F::conv2d(xg, wc);
  y.sum().backward();
  EXPECT_TRUE(xg.grad().defined());
  EXPECT_FALSE(wc.grad().defined());
}

TEST(Conv2dGrad, StridedGradientAndUnbatchedInput) {
  Tensor x = leaf({3, 5, 5}, 21), w = leaf({2, 3, 3, 3}, 22);
  // A permuted (non-contiguous) incoming gradient, and a 3-D input.
  EXPECT_GRADCHECK([](const TensorList& in) { return F::conv2d(in[0], in[1], Tensor(), 1, 1).permute({2, 0, 1}); },
                   {x, w});
}

TEST(Conv2d, SameResultOnOneThreadAndOnTwo) {
  // Two threads split the batch and add the weight gradients of the halves at the end.
  ag::manual_seed(5);
  Tensor x = ag::randn({6, 4, 9, 9}), w = ag::randn({8, 4, 3, 3}), b = ag::randn({8}), g = ag::randn({6, 8, 9, 9});
  TensorList results[2];
  int prev = ag::get_num_threads();
  for (int threads : {1, 2}) {
    ag::set_num_threads(threads);
    Tensor xl = x.clone().requires_grad_(), wl = w.clone().requires_grad_(), bl = b.clone().requires_grad_();
    Tensor y = F::conv2d(xl, wl, bl, 1, 1);
    y.backward(g);
    results[threads - 1] = {y, xl.grad(), wl.grad(), bl.grad()};
  }
  ag::set_num_threads(prev);
  for (size_t i = 0; i < 4; ++i) EXPECT_LT(agtest::max_abs_diff(results[0][i], results[1][i]), 1e-3) << i;
}

TEST(Conv2dGrad, ManyImagesPerThread) {
  // One thread walks the whole batch with the same column buffers, whose padding entries must stay zero.
  int prev = ag::get_num_threads();
  ag::set_num_threads(1);
  ConvCase k{{4, 2, 5, 5}, 3, 3, 3, 1, 2, 1, 1, true};
  Tensor x = leaf(k.x_shape, 61), w = leaf({3, 2, 3, 3}, 62), b = leaf({3}, 63);
  EXPECT_LT(agtest::max_abs_diff(F::conv2d(x, w, b, 1, 2), naive_conv(x, w, b, k)), 1e-12);
  EXPECT_GRADCHECK([](const TensorList& in) { return F::conv2d(in[0], in[1], in[2], 1, 2); }, {x, w, b});
  ag::set_num_threads(prev);
}

TEST(Conv2d, EmptyBatch) {
  Tensor x = ag::zeros({0, 3, 5, 5}).requires_grad_(), w = ag::ones({2, 3, 3, 3}).requires_grad_();
  Tensor b = ag::ones({2}).requires_grad_();
  Tensor y = F::conv2d(x, w, b);
  EXPECT_EQ(y.sizes(), (ag::Dims{0, 2, 3, 3}));
  y.sum().backward();
  EXPECT_EQ(w.grad().abs().sum().item(), 0.0);
  EXPECT_EQ(b.grad().abs().sum().item(), 0.0);
}

TEST(Conv2dErrors, NameTheOpAndTheShapes) {
  using agtest::error_of;
  Tensor x = ag::ones({2, 3, 8, 8});
  EXPECT_EQ(error_of([&] { F::conv2d(x, ag::ones({4, 2, 3, 3})); }),
            "conv2d: given groups=1, weight of size [4, 2, 3, 3], expected input[2, 3, 8, 8] to have 2 channels, but "
            "got 3 channels instead");
  EXPECT_EQ(error_of([&] { F::conv2d(x, ag::ones({4, 1, 3, 3}), Tensor(), 1, 0, 1, 3); }),
            "conv2d: out_channels 4 of weight [4, 1, 3, 3] is not divisible by groups=3");
  EXPECT_NE(error_of([&] { F::conv2d(x, ag::ones({4, 3, 3})); }).find("4-D weight"), std::string::npos);
  EXPECT_NE(error_of([&] { F::conv2d(x, ag::ones({4, 3, 3, 3}), ag::ones({5})); })
                .find("expected bias of shape [4] (one per output channel of weight [4, 3, 3, 3]), got [5]"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { F::conv2d(x, ag::ones({4, 3, 11, 3}), Tensor(), 1, 1); }),
            "conv2d: padded input size per channel (10 x 10) of input [2, 3, 8, 8] is smaller than the dilated "
            "kernel (11 x 3) of weight [4, 3, 11, 3]");
  EXPECT_NE(error_of([&] { F::conv2d(ag::ones({3, 8, 8, 1, 1}), ag::ones({4, 3, 3, 3})); })
                .find("got input of shape [3, 8, 8, 1, 1]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::conv2d(x, ag::ones({4, 3, 3, 3}, ag::kFloat64)); }).find("same dtype"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::conv2d(x, ag::ones({4, 3, 3, 3}), Tensor(), 0); }).find("stride must be positive"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::conv2d(x, ag::ones({4, 3, 3, 3}), Tensor(), 1, -1); }).find("padding"),
            std::string::npos);
}
