// conv_transpose2d: values against a direct scatter loop for every argument
// (stride, padding, output_padding, dilation, groups, bias, dtypes), gradients
// by finite differences, thread-count independence, the ConvTranspose2d layer
// (shapes, init, options, forward with output_size, repr) and the errors.
#include <cmath>

#include "layers/layers_util.h"

namespace F = ag::nn::functional;
namespace nn = ag::nn;
using ag::Tensor;
using ag::TensorList;
using agtest::error_of;
using agtest::leaf;
using agtest::values;

namespace {

struct TransposeCase {
  ag::Dims x_shape;  // [N, C, H, W]
  int64_t out_channels, kh, kw;
  F::Size2 stride, padding, output_padding;
  int64_t groups;
  F::Size2 dilation;
  bool bias;
};

// The definition, as a scatter: every input pixel x[n, c, ih, iw] adds x·w[c, o, i, j] to the output pixel
// (ih·sh − ph + i·dh, iw·sw − pw + j·dw) of channel (group of c)·Og + o, when that pixel is inside the output.
Tensor naive_conv_transpose(const Tensor& x, const Tensor& w, const Tensor& b, const TransposeCase& k) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Og = w.size(1), KH = w.size(2), KW = w.size(3), O = Og * k.groups, Cg = C / k.groups;
  const int64_t OH = (H - 1) * k.stride.h - 2 * k.padding.h + k.dilation.h * (KH - 1) + k.output_padding.h + 1;
  const int64_t OW = (W - 1) * k.stride.w - 2 * k.padding.w + k.dilation.w * (KW - 1) + k.output_padding.w + 1;
  std::vector<double> xv = values(x), wv = values(w), bv = b.defined() ? values(b) : std::vector<double>(O, 0.0);
  std::vector<double> y(N * O * OH * OW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t p = 0; p < OH * OW; ++p) y[(n * O + o) * OH * OW + p] = bv[o];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t ih = 0; ih < H; ++ih)
        for (int64_t iw = 0; iw < W; ++iw)
          for (int64_t o = 0; o < Og; ++o)
            for (int64_t i = 0; i < KH; ++i)
              for (int64_t j = 0; j < KW; ++j) {
                int64_t oh = ih * k.stride.h - k.padding.h + i * k.dilation.h;
                int64_t ow = iw * k.stride.w - k.padding.w + j * k.dilation.w;
                if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                int64_t oc = (c / Cg) * Og + o;
                y[((n * O + oc) * OH + oh) * OW + ow] +=
                    xv[((n * C + c) * H + ih) * W + iw] * wv[((c * Og + o) * KH + i) * KW + j];
              }
  return ag::from_vector(y, {N, O, OH, OW});
}

const TransposeCase kCases[] = {
    {{2, 3, 4, 5}, 4, 3, 3, 1, 0, 0, 1, 1, true},
    {{2, 3, 4, 4}, 2, 4, 4, 2, 1, 0, 1, 1, false},          // DCGAN's upsampling layer
    {{1, 2, 3, 4}, 3, 3, 2, {2, 3}, {1, 0}, {1, 2}, 1, 1, true},
    {{2, 4, 3, 3}, 6, 3, 3, 2, 1, 1, 2, 1, true},           // groups with output padding
    {{1, 4, 3, 3}, 4, 3, 3, 1, 1, 0, 4, 1, false},          // depthwise
    {{2, 2, 4, 3}, 3, 3, 3, 1, 2, 0, 1, {2, 3}, true},      // dilation
    {{1, 2, 3, 3}, 2, 3, 3, 1, 0, {1, 2}, 1, {2, 3}, true}, // output padding below the dilation, not the stride
    {{2, 3, 4, 4}, 2, 1, 1, 1, 0, 0, 1, 1, true},           // pointwise: no col2im
    // One-pixel inputs, one gemm over the batch (Note [One-pixel inputs]):
    {{2, 3, 1, 1}, 5, 4, 4, 1, 0, 0, 1, 1, true},           // a noise vector to a 4×4 map: columns are images
    {{3, 4, 1, 1}, 6, 3, 2, 1, 0, 0, 2, 1, true},           // with groups
    {{2, 4, 1, 1}, 6, 3, 3, 2, 1, 1, 2, 1, true},           // with padding and output padding: col2im
    {{1, 2, 1, 1}, 3, 2, 3, 1, 0, 0, 1, {2, 1}, false},     // with dilation
    {{1, 2, 5, 5}, 2, 3, 3, 2, 2, 1, 1, 1, true},           // padding that crops into the input's reach
};

}  // namespace

TEST(ConvTranspose2d, MatchesDirectLoopsForEveryArgument) {
  for (ag::ScalarType dt : {ag::kFloat32, ag::kFloat64}) {
    int seed = 10;
    for (const TransposeCase& k : kCases) {
      ag::manual_seed(seed++);
      Tensor x = ag::randn(k.x_shape, dt), w = ag::randn({k.x_shape[1], k.out_channels / k.groups, k.kh, k.kw}, dt);
      Tensor b = k.bias ? ag::randn({k.out_channels}, dt) : Tensor();
      Tensor y = F::conv_transpose2d(x, w, b, k.stride, k.padding, k.output_padding, k.groups, k.dilation);
      EXPECT_EQ(y.dtype(), dt);
      Tensor ref = naive_conv_transpose(x, w, b, k);
      ASSERT_EQ(y.sizes(), ref.sizes()) << "case " << seed;
      EXPECT_LT(agtest::max_abs_diff(y, ref), dt == ag::kFloat32 ? 1e-4 : 1e-12) << "case " << seed;
    }
  }
}

TEST(ConvTranspose2d, IsTheAdjointOfConv2d) {
  // <conv2d(a, w), b> = <a, conv_transpose2d(b, w)> for the same weight, stride, padding and dilation.
  ag::manual_seed(4);
  Tensor a = ag::randn({2, 3, 9, 8}, ag::kFloat64), w = ag::randn({4, 3, 3, 2}, ag::kFloat64);
  Tensor y = F::conv2d(a, w, Tensor(), 2, 1, {1, 2});
  Tensor b = ag::randn(y.sizes(), ag::kFloat64);
  Tensor back = F::conv_transpose2d(b, w, Tensor(), 2, 1, {0, 1}, 1, {1, 2});
  ASSERT_EQ(back.sizes(), a.sizes());
  EXPECT_NEAR((y * b).sum().item(), (a * back).sum().item(), 1e-9);
}

TEST(ConvTranspose2d, StridedAndUnbatchedInput) {
  ag::manual_seed(3);
  TransposeCase k{{2, 3, 4, 5}, 4, 3, 3, 2, 1, 1, 1, 1, true};
  Tensor x = ag::randn({2, 4, 5, 3}).permute({0, 3, 1, 2});
  ASSERT_FALSE(x.is_contiguous());
  Tensor w = ag::randn({3, 4, 3, 3}).transpose(2, 3), b = ag::randn({4});
  EXPECT_LT(agtest::max_abs_diff(F::conv_transpose2d(x, w, b, 2, 1, 1), naive_conv_transpose(x, w, b, k)), 1e-4);
  Tensor y = F::conv_transpose2d(x.select(0, 1), w, b, 2, 1, 1);
  EXPECT_EQ(y.sizes(), (ag::Dims{4, 8, 10}));
  EXPECT_LT(agtest::max_abs_diff(y, naive_conv_transpose(x, w, b, k).select(0, 1)), 1e-4);
}

TEST(ConvTranspose2dGrad, EveryInputForEveryArgument) {
  int seed = 100;
  for (const TransposeCase& k : kCases) {
    Tensor x = leaf(k.x_shape, seed++), w = leaf({k.x_shape[1], k.out_channels / k.groups, k.kh, k.kw}, seed++);
    Tensor b = k.bias ? leaf({k.out_channels}, seed++) : Tensor();
    auto fn = [&k](const TensorList& in) {
      return F::conv_transpose2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), k.stride, k.padding,
                                 k.output_padding, k.groups, k.dilation);
    };
    TensorList inputs = k.bias ? TensorList{x, w, b} : TensorList{x, w};
    EXPECT_GRADCHECK(fn, inputs);
  }
}

TEST(ConvTranspose2dGrad, OnlyTheWantedGradientsAndAStridedGradient) {
  Tensor x = ag::randn({2, 3, 3, 3}, ag::kFloat64), w = leaf({3, 2, 4, 4}, 7), b = leaf({2}, 8);
  EXPECT_GRADCHECK([](const TensorList& in) { return F::conv_transpose2d(in[0], in[1], in[2], 2, 1); }, {x, w, b});
  Tensor xg = leaf({3, 3, 4}, 9), wc = ag::randn({3, 2, 3, 3}, ag::kFloat64);
  EXPECT_GRADCHECK(
      [](const TensorList& in) { return F::conv_transpose2d(in[0], in[1], Tensor(), 2, 1, 1).permute({2, 0, 1}); },
      {xg, wc});
  F::conv_transpose2d(xg, wc).sum().backward();
  EXPECT_TRUE(xg.grad().defined());
  EXPECT_FALSE(wc.grad().defined());
}

TEST(ConvTranspose2d, SameResultOnOneThreadAndOnTwo) {
  ag::manual_seed(5);
  Tensor x = ag::randn({6, 8, 7, 7}), w = ag::randn({8, 4, 4, 4}), b = ag::randn({4}), g = ag::randn({6, 4, 14, 14});
  TensorList results[2];
  int prev = ag::get_num_threads();
  for (int threads : {1, 2}) {
    ag::set_num_threads(threads);
    Tensor xl = x.clone().requires_grad_(), wl = w.clone().requires_grad_(), bl = b.clone().requires_grad_();
    Tensor y = F::conv_transpose2d(xl, wl, bl, 2, 1);
    (y * g).sum().backward();
    results[threads - 1] = {y, xl.grad(), wl.grad(), bl.grad()};
  }
  ag::set_num_threads(prev);
  for (size_t i = 0; i < 4; ++i) EXPECT_LT(agtest::max_abs_diff(results[0][i], results[1][i]), 1e-3) << i;
}

TEST(ConvTranspose2d, ErrorsNameTheProblem) {
  Tensor x = ag::randn({1, 3, 4, 4}), w = ag::randn({3, 2, 3, 3});
  EXPECT_NE(error_of([&] { F::conv_transpose2d(x, ag::randn({2, 2, 3, 3})); }).find("input channels"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::conv_transpose2d(x, w, Tensor(), 2, 0, 2); }).find("output_padding (2, 2) must be"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::conv_transpose2d(x, w, ag::randn({3})); }).find("expected bias of shape [2]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::conv_transpose2d(x, w, Tensor(), 1, 0, 0, 2); }).find("groups=2"), std::string::npos);
  EXPECT_NE(error_of([&] { F::conv_transpose2d(x, w, Tensor(), 1, 3); }).find("too small"), std::string::npos);
  EXPECT_NE(error_of([&] { F::conv_transpose2d(ag::randn({3, 4}), w); }).find("conv_transpose2d: expected a 3-D"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::conv_transpose2d(x, w.to(ag::kFloat64)); }).find("same dtype"), std::string::npos);
}

TEST(ConvTranspose2dLayer, ShapesInitAndRepr) {
  ag::manual_seed(0);
  nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(16, 8, 4).stride(2).padding(1).bias(false));
  EXPECT_EQ(up->weight.sizes(), (ag::Dims{16, 8, 4, 4}));
  EXPECT_FALSE(up->bias.defined());
  EXPECT_EQ(up->named_parameters().size(), 1u);
  EXPECT_EQ(up->repr(), "ConvTranspose2d(16, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)");
  EXPECT_EQ(up(ag::randn({2, 16, 7, 7})).sizes(), (ag::Dims{2, 8, 14, 14}));

  // PyTorch's _ConvNd init: fan_in is weight dim 1 times the kernel, here 3·2·2 = 12 for both bounds.
  nn::ConvTranspose2d grouped(4, 6, 2, 1, 0, 0, 2);
  const double w_bound = std::sqrt(3.0) * std::sqrt(2.0 / (1 + 5.000000000000001)) / std::sqrt(12.0);
  const double b_bound = 1 / std::sqrt(12.0);
  EXPECT_EQ(grouped->weight.sizes(), (ag::Dims{4, 3, 2, 2}));
  EXPECT_LE(grouped->weight.abs().max().item(), w_bound);
  EXPECT_GT(grouped->weight.abs().max().item(), 0.8 * w_bound);
  EXPECT_LE(grouped->bias.abs().max().item(), b_bound);
  EXPECT_EQ(grouped->repr(), "ConvTranspose2d(4, 6, kernel_size=(2, 2), stride=(1, 1), groups=2)");
  // The draws are Conv2d's for a weight of the same shape: weight first, then bias, from the global generator.
  ag::manual_seed(1);
  nn::ConvTranspose2d t(4, 6, 2, 1, 0, 0, 2);
  ag::manual_seed(1);
  nn::Conv2d c(6, 4, 2, 1, 0, 1, 2, false);
  Tensor bias_after = ag::empty({6});
  ag::uniform_(bias_after, -b_bound, b_bound);
  EXPECT_TRUE(t->weight.equal(c->weight));
  EXPECT_TRUE(t->bias.equal(bias_after));

  nn::ConvTranspose2d full(nn::ConvTranspose2dOptions(2, 2, {3, 2}).stride({2, 1}).padding({1, 0}).output_padding({1, 0}).dilation({1, 2}));
  EXPECT_EQ(full->repr(),
            "ConvTranspose2d(2, 2, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), "
            "output_padding=(1, 0))");
  EXPECT_THROW(nn::ConvTranspose2d(3, 4, 3, 1, 0, 0, 2), std::invalid_argument);
}

TEST(ConvTranspose2dLayer, ForwardWithOutputSize) {
  ag::manual_seed(2);
  nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(3, 2, 3).stride(2).padding(1));
  Tensor x = ag::randn({1, 3, 4, 4});
  // Sizes 7 and 8 both come from 4 with stride 2; output_size picks the output padding.
  EXPECT_EQ(up(x).sizes(), (ag::Dims{1, 2, 7, 7}));
  Tensor y = up->forward(x, {8, 7});
  EXPECT_EQ(y.sizes(), (ag::Dims{1, 2, 8, 7}));
  EXPECT_TRUE(y.equal(F::conv_transpose2d(x, up->weight, up->bias, 2, 1, {1, 0})));
  EXPECT_TRUE(up->forward(x, {1, 2, 7, 8}).equal(F::conv_transpose2d(x, up->weight, up->bias, 2, 1, {0, 1})));
  EXPECT_NE(error_of([&] { up->forward(x, {9, 7}); }).find("range from 7 to 8"), std::string::npos);
}
