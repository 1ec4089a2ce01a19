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
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}
}  // namespace

Conv2dImpl::Conv2dImpl(int64_t in, int64_t out, functional::Size2 k, functional::Size2 s, functional::Size2 p,
               functional::Size2 d, int64_t g, bool with_bias)
    : in_channels(in), out_channels(out), groups(g), kernel_size(k), stride(s), padding(p), dilation(d) {
  if (in <= 0 || out <= 0 || g <= 0 || in % g != 0 || out % g != 0)
    throw std::invalid_argument("Conv2d: channels (" + std::to_string(in) + " in, " + std::to_string(out) +
                                " out) must be positive and divisible by groups (" + std::to_string(g) + ")");
  weight = register_parameter("weight", empty({out, in / g, k.h, k.w}));
  bias = register_parameter("bias", with_bias ? empty({out}) : Tensor());
  reset_parameters();
}

void Conv2dImpl::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Conv2dImpl::forward(const Tensor& x) { return functional::conv2d(x, weight, bias, stride, padding, dilation, groups); }

std::string Conv2dImpl::extra_repr() const {
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) + ", kernel_size=" + pair(kernel_size) +
                  ", stride=" + pair(stride);
  if (padding.h || padding.w) s += ", padding=" + pair(padding);
  if (dilation.h != 1 || dilation.w != 1) s += ", dilation=" + pair(dilation);
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

std::string MaxPool2dImpl::extra_repr() const {
  return "kernel_size=" + pair(kernel_size) + ", stride=" + pair(stride) + ", padding=" + pair(padding) +
         ", dilation=1, ceil_mode=False";
}
std::string AvgPool2dImpl::extra_repr() const {
  return "kernel_size=" + pair(kernel_size) + ", stride=" + pair(stride) + ", padding=" + pair(padding);
}

BatchNormImplBase::BatchNormImplBase(int64_t n, int64_t expected_dim, double eps, double momentum, bool affine)
    : num_features(n), expected_dim(expected_dim), eps(eps), momentum(momentum) {
  if (n <= 0) throw std::invalid_argument("BatchNorm: num_features must be positive, got " + std::to_string(n));
  weight = register_parameter("weight", affine ? ones({n}) : Tensor());
  bias = register_parameter("bias", affine ? zeros({n}) : Tensor());
  running_mean = register_buffer("running_mean", zeros({n}));
  running_var = register_buffer("running_var", ones({n}));
  num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
}

Tensor BatchNormImplBase::forward(const Tensor& x) {
  bool ok = expected_dim == 4 ? x.dim() == 4 : (x.dim() == 2 || x.dim() == 3);
  if (!ok)
    throw std::invalid_argument(name() + ": expected " + (expected_dim == 4 ? "4-d input [N, C, H, W]" : "2-d or 3-d input") +
                                ", got shape " + to_string(x.sizes()));
  if (is_training()) {
    NoGradGuard g;
    num_batches_tracked.add_(1.0);
  }
  return functional::batch_norm(x, running_mean, running_var, weight, bias, is_training(), momentum, eps);
}

std::string BatchNormImplBase::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + num(eps) + ", momentum=" + num(momentum) +
         ", affine=" + detail::python_bool(weight.defined()) + ", track_running_stats=True";
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
