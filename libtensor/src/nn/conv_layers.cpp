// Conv2d, pooling, normalisation and embedding modules: construction, PyTorch's
// init, and forward through nn::functional.
#include <cmath>
#include <stdexcept>

#include "ag/generator.h"
#include "ag/grad_mode.h"
#include "ag/nn/conv.h"
#include "ag/nn/init.h"
#include "ag/nn/normalization.h"
#include "nn/python_repr.h"

namespace ag::nn {

namespace {
std::string pair(functional::Size2 s) {
  std::string out(1, '(');
  out += std::to_string(s.h);
  out += ", ";
  out += std::to_string(s.w);
  out += ')';
  return out;
}
// Pooling layers keep their arguments as given, so PyTorch prints `kernel_size=2` for MaxPool2d(2); a Size2
// cannot tell 2 from (2, 2), so a square size prints as the one number (the usual way of writing it).
std::string pool_arg(functional::Size2 s) { return s.h == s.w ? std::to_string(s.h) : pair(s); }
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

// PyTorch's _ConvNd.reset_parameters, for both weight layouts: fan_in is weight dim 1 times the kernel area.
void reset_conv_parameters(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}

void check_channels(const char* layer, int64_t in, int64_t out, int64_t g) {
  if (in <= 0 || out <= 0 || g <= 0 || in % g != 0 || out % g != 0)
    throw std::invalid_argument(std::string(layer) + ": channels (" + std::to_string(in) + " in, " +
                                std::to_string(out) + " out) must be positive and divisible by groups (" +
                                std::to_string(g) + ")");
}

void check_window(const char* layer, functional::Size2 kernel, functional::Size2 stride) {
  if (kernel.h <= 0 || kernel.w <= 0 || stride.h <= 0 || stride.w <= 0)
    throw std::invalid_argument(std::string(layer) + ": kernel_size " + pair(kernel) + " and stride " + pair(stride) +
                                " must be positive");
}

// The part of _ConvNd.extra_repr both layers share, up to (and without) output_padding.
std::string conv_repr_head(int64_t in, int64_t out, functional::Size2 k, functional::Size2 s, functional::Size2 p,
                           functional::Size2 d) {
  std::string r = std::to_string(in) + ", " + std::to_string(out) + ", kernel_size=" + pair(k) + ", stride=" + pair(s);
  if (p.h || p.w) r += ", padding=" + pair(p);
  if (d.h != 1 || d.w != 1) r += ", dilation=" + pair(d);
  return r;
}

std::string conv_repr_tail(int64_t groups, bool bias) {
  std::string r;
  if (groups != 1) r += ", groups=" + std::to_string(groups);
  if (!bias) r += ", bias=False";
  return r;
}
}  // namespace

Conv2dImpl::Conv2dImpl(Conv2dOptions o) : options(o) {
  check_channels("Conv2d", o.in_channels(), o.out_channels(), o.groups());
  check_window("Conv2d", o.kernel_size(), o.stride());
  const functional::Size2 k = o.kernel_size();
  weight = register_parameter("weight", empty({o.out_channels(), o.in_channels() / o.groups(), k.h, k.w}));
  bias = register_parameter("bias", o.bias() ? empty({o.out_channels()}) : Tensor());
  reset_parameters();
}

Conv2dImpl::Conv2dImpl(int64_t in, int64_t out, functional::Size2 k, functional::Size2 s, functional::Size2 p,
                       functional::Size2 d, int64_t g, bool with_bias)
    : Conv2dImpl(Conv2dOptions(in, out, k).stride(s).padding(p).dilation(d).groups(g).bias(with_bias)) {}

void Conv2dImpl::reset_parameters() { reset_conv_parameters(weight, bias); }

Tensor Conv2dImpl::forward(const Tensor& x) {
  return functional::conv2d(x, weight, bias, options.stride(), options.padding(), options.dilation(), options.groups());
}

std::string Conv2dImpl::extra_repr() const {
  const Conv2dOptions& o = options;
  return conv_repr_head(o.in_channels(), o.out_channels(), o.kernel_size(), o.stride(), o.padding(), o.dilation()) +
         conv_repr_tail(o.groups(), bias.defined());
}

ConvTranspose2dImpl::ConvTranspose2dImpl(ConvTranspose2dOptions o) : options(o) {
  check_channels("ConvTranspose2d", o.in_channels(), o.out_channels(), o.groups());
  check_window("ConvTranspose2d", o.kernel_size(), o.stride());
  const functional::Size2 k = o.kernel_size();
  weight = register_parameter("weight", empty({o.in_channels(), o.out_channels() / o.groups(), k.h, k.w}));
  bias = register_parameter("bias", o.bias() ? empty({o.out_channels()}) : Tensor());
  reset_parameters();
}

ConvTranspose2dImpl::ConvTranspose2dImpl(int64_t in, int64_t out, functional::Size2 k, functional::Size2 s,
                                         functional::Size2 p, functional::Size2 op, int64_t g, bool with_bias,
                                         functional::Size2 d)
    : ConvTranspose2dImpl(
          ConvTranspose2dOptions(in, out, k).stride(s).padding(p).output_padding(op).groups(g).bias(with_bias).dilation(d)) {}

void ConvTranspose2dImpl::reset_parameters() { reset_conv_parameters(weight, bias); }

Tensor ConvTranspose2dImpl::forward(const Tensor& x) {
  const ConvTranspose2dOptions& o = options;
  return functional::conv_transpose2d(x, weight, bias, o.stride(), o.padding(), o.output_padding(), o.groups(),
                                      o.dilation());
}

Tensor ConvTranspose2dImpl::forward(const Tensor& x, const Dims& output_size) {
  const ConvTranspose2dOptions& o = options;
  if (output_size.size() < 2 || x.dim() < 3)
    throw std::invalid_argument("ConvTranspose2d: output_size " + to_string(output_size) +
                                " must give at least (H, W), for an input [N, C, H, W] or [C, H, W], got input " +
                                to_string(x.sizes()));
  const int64_t want[2] = {output_size[output_size.size() - 2], output_size.back()};
  const int64_t in[2] = {x.size(-2), x.size(-1)};
  const functional::Size2 s = o.stride(), p = o.padding(), d = o.dilation(), k = o.kernel_size();
  const int64_t stride[2] = {s.h, s.w}, pad[2] = {p.h, p.w}, dil[2] = {d.h, d.w}, ker[2] = {k.h, k.w};
  int64_t extra[2];
  for (int i = 0; i < 2; ++i) {
    const int64_t min_size = (in[i] - 1) * stride[i] - 2 * pad[i] + dil[i] * (ker[i] - 1) + 1;
    if (want[i] < min_size || want[i] >= min_size + stride[i])
      throw std::invalid_argument("ConvTranspose2d: requested an output size of " + to_string(output_size) +
                                  ", but valid sizes for input " + to_string(x.sizes()) + " range from " +
                                  std::to_string(min_size) + " to " + std::to_string(min_size + stride[i] - 1) +
                                  " in dim " + std::to_string(i == 0 ? -2 : -1));
    extra[i] = want[i] - min_size;
  }
  return functional::conv_transpose2d(x, weight, bias, s, p, {extra[0], extra[1]}, o.groups(), d);
}

std::string ConvTranspose2dImpl::extra_repr() const {
  const ConvTranspose2dOptions& o = options;
  std::string r = conv_repr_head(o.in_channels(), o.out_channels(), o.kernel_size(), o.stride(), o.padding(), o.dilation());
  if (o.output_padding().h || o.output_padding().w) r += ", output_padding=" + pair(o.output_padding());
  return r + conv_repr_tail(o.groups(), bias.defined());
}

Tensor MaxPool2dImpl::forward(const Tensor& x) {
  return functional::max_pool2d(x, options.kernel_size(), options.stride(), options.padding(), options.dilation(),
                                options.ceil_mode());
}

std::string MaxPool2dImpl::extra_repr() const {
  return "kernel_size=" + pool_arg(options.kernel_size()) + ", stride=" + pool_arg(options.stride()) +
         ", padding=" + pool_arg(options.padding()) + ", dilation=" + pool_arg(options.dilation()) +
         ", ceil_mode=" + detail::python_bool(options.ceil_mode());
}

Tensor AvgPool2dImpl::forward(const Tensor& x) {
  return functional::avg_pool2d(x, options.kernel_size(), options.stride(), options.padding(), options.ceil_mode(),
                                options.count_include_pad(), options.divisor_override());
}

std::string AvgPool2dImpl::extra_repr() const {
  return "kernel_size=" + pool_arg(options.kernel_size()) + ", stride=" + pool_arg(options.stride()) +
         ", padding=" + pool_arg(options.padding());
}

BatchNormImplBase::BatchNormImplBase(BatchNormOptions o, int64_t expected_dim)
    : options(o), expected_dim(expected_dim) {
  const int64_t n = o.num_features();
  if (n <= 0) throw std::invalid_argument("BatchNorm: num_features must be positive, got " + std::to_string(n));
  if (o.momentum() && !(*o.momentum() >= 0 && *o.momentum() <= 1))
    throw std::invalid_argument("BatchNorm: momentum must be in [0, 1] (or nullopt for a cumulative average), got " +
                                detail::python_float(*o.momentum()));
  weight = register_parameter("weight", o.affine() ? ones({n}) : Tensor());
  bias = register_parameter("bias", o.affine() ? zeros({n}) : Tensor());
  const bool track = o.track_running_stats();
  running_mean = register_buffer("running_mean", track ? zeros({n}) : Tensor());
  running_var = register_buffer("running_var", track ? ones({n}) : Tensor());
  num_batches_tracked = register_buffer("num_batches_tracked", track ? zeros({}, kInt64) : Tensor());
}

Tensor BatchNormImplBase::forward(const Tensor& x) {
  bool ok = expected_dim == 4 ? x.dim() == 4 : (x.dim() == 2 || x.dim() == 3);
  if (!ok)
    throw std::invalid_argument(name() + ": expected " + (expected_dim == 4 ? "4-d input [N, C, H, W]" : "2-d or 3-d input") +
                                ", got shape " + to_string(x.sizes()));
  double factor = 0;
  if (is_training() && running_mean.defined()) {
    NoGradGuard g;
    num_batches_tracked.add_(1.0);
    factor = options.momentum() ? *options.momentum() : 1.0 / num_batches_tracked.item();
  }
  // Without running statistics the batch's own are used in eval mode too, as in PyTorch.
  const bool use_batch_stats = is_training() || !running_mean.defined();
  return functional::batch_norm(x, running_mean, running_var, weight, bias, use_batch_stats, factor, options.eps());
}

std::string BatchNormImplBase::extra_repr() const {
  const BatchNormOptions& o = options;
  return std::to_string(o.num_features()) + ", eps=" + detail::python_float(o.eps()) +
         ", momentum=" + (o.momentum() ? detail::python_float(*o.momentum()) : std::string("None")) +
         ", affine=" + detail::python_bool(o.affine()) +
         ", track_running_stats=" + detail::python_bool(o.track_running_stats());
}

LayerNormImpl::LayerNormImpl(Dims shape, double eps, bool affine) : normalized_shape(shape), eps(eps) {
  weight = register_parameter("weight", affine ? ones(shape) : Tensor());
  bias = register_parameter("bias", affine ? zeros(shape) : Tensor());
}

Tensor LayerNormImpl::forward(const Tensor& x) { return functional::layer_norm(x, normalized_shape, weight, bias, eps); }

std::string LayerNormImpl::extra_repr() const {
  std::string s = "(";
  for (size_t i = 0; i < normalized_shape.size(); ++i) s += std::to_string(normalized_shape[i]) + (normalized_shape.size() == 1 ? "," : (i + 1 < normalized_shape.size() ? ", " : ""));
  return s + "), eps=" + num(eps) + ", elementwise_affine=" + detail::python_bool(weight.defined());
}

EmbeddingImpl::EmbeddingImpl(int64_t n, int64_t dim, std::optional<int64_t> pad) : num_embeddings(n), embedding_dim(dim) {
  if (n <= 0 || dim <= 0)
    throw std::invalid_argument("Embedding: sizes must be positive, got " + std::to_string(n) + " x " + std::to_string(dim));
  if (pad) {
    if (*pad < -n || *pad >= n)
      throw std::invalid_argument("Embedding: padding_idx " + std::to_string(*pad) + " is outside the table of " + std::to_string(n));
    padding_idx = *pad < 0 ? *pad + n : *pad;
  }
  weight = register_parameter("weight", empty({n, dim}));
  init::normal_(weight, 0, 1);
  if (padding_idx) {
    NoGradGuard g;
    weight[*padding_idx].zero_();
  }
}

Tensor EmbeddingImpl::forward(const Tensor& idx) { return functional::embedding(idx, weight, padding_idx); }

std::string EmbeddingImpl::extra_repr() const {
  return std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim) +
         (padding_idx ? ", padding_idx=" + std::to_string(*padding_idx) : "");
}

}  // namespace ag::nn
