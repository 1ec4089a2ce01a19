// The functions libtorch offers directly in `torch::` (beside torch::nn::functional),
// so that `torch::relu(x)`, `torch::log_softmax(x, 1)` and `torch::nll_loss(out, y)`
// compile unchanged with `namespace torch = ag;`. Each forwards to nn::functional.
#pragma once
#include <cstdint>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "ag/nn/functional.h"
#include "ag/nn/functional_attention.h"
#include "ag/nn/functional_conv.h"
#include "ag/tensor.h"

namespace ag {

/// libtorch's c10::optional is std::optional; user datasets write `torch::optional<size_t> size()`.
using std::nullopt;
using std::optional;

/// libtorch's `torch::Reduction::Sum` spelling of the losses' reduction.
using Reduction = nn::Reduction;

inline Tensor softmax(const Tensor& input, int64_t dim) { return nn::functional::softmax(input, dim); }
inline Tensor log_softmax(const Tensor& input, int64_t dim) { return nn::functional::log_softmax(input, dim); }
inline Tensor leaky_relu(const Tensor& input, double negative_slope = 0.01) {
  return nn::functional::leaky_relu(input, negative_slope);
}
inline Tensor gelu(const Tensor& input) { return nn::functional::gelu(input); }
/// `train` as libtorch names it: dropout applies only when true.
inline Tensor dropout(const Tensor& input, double p, bool train) { return nn::functional::dropout(input, p, train); }
inline Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                           const Tensor& attn_mask = {}, double dropout_p = 0.0, bool is_causal = false,
                                           std::optional<double> scale = std::nullopt) {
  return nn::functional::scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal, scale);
}
inline Tensor max_pool2d(const Tensor& input, nn::functional::Size2 kernel_size,
                         std::optional<nn::functional::Size2> stride = std::nullopt,
                         nn::functional::Size2 padding = 0, nn::functional::Size2 dilation = 1,
                         bool ceil_mode = false) {
  return nn::functional::max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
}
inline Tensor avg_pool2d(const Tensor& input, nn::functional::Size2 kernel_size,
                         std::optional<nn::functional::Size2> stride = std::nullopt,
                         nn::functional::Size2 padding = 0) {
  return nn::functional::avg_pool2d(input, kernel_size, stride, padding);
}

inline Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean) {
  return nn::functional::mse_loss(input, target, reduction);
}
inline Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean) {
  return nn::functional::l1_loss(input, target, reduction);
}
/// libtorch's positional forms of the losses (`torch::nll_loss(out, y, {}, torch::Reduction::Sum)`).
inline Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                       Reduction reduction = Reduction::Mean, int64_t ignore_index = -100) {
  return nn::functional::nll_loss(
      input, target, nn::NLLLossOptions().weight(weight).reduction(reduction).ignore_index(ignore_index));
}
inline Tensor cross_entropy_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                                 Reduction reduction = Reduction::Mean, int64_t ignore_index = -100,
                                 double label_smoothing = 0.0) {
  return nn::functional::cross_entropy(input, target,
                                       nn::CrossEntropyLossOptions()
                                           .weight(weight)
                                           .reduction(reduction)
                                           .ignore_index(ignore_index)
                                           .label_smoothing(label_smoothing));
}
inline Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                                   Reduction reduction = Reduction::Mean) {
  return nn::functional::binary_cross_entropy(input, target, nn::BCELossOptions().weight(weight).reduction(reduction));
}
inline Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                                               const Tensor& pos_weight = {}, Reduction reduction = Reduction::Mean) {
  return nn::functional::binary_cross_entropy_with_logits(
      input, target, nn::BCEWithLogitsLossOptions().weight(weight).pos_weight(pos_weight).reduction(reduction));
}

/// Huber-like loss: 0.5·d²/β where |d| < β, else |d| − 0.5·β, for d = input − target
/// (β = 0 is l1_loss). Shapes must match, as in mse_loss.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);

/// Its arguments printed one after another into a string (libtorch's torch::str).
template <typename... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

}  // namespace ag

/// libtorch's argument checks: throw std::runtime_error with the condition and the
/// message parts when `cond` is false (AG_CHECK is the same under allgrad's prefix).
#define AG_CHECK(cond, ...)                                                                         \
  do {                                                                                              \
    if (!(cond)) throw std::runtime_error(::ag::str("Expected " #cond " to be true, but got false. " \
                                                    __VA_OPT__(, ) __VA_ARGS__));                   \
  } while (0)
#ifndef TORCH_CHECK
#define TORCH_CHECK(cond, ...) AG_CHECK(cond __VA_OPT__(, ) __VA_ARGS__)
#endif
#ifndef AT_ASSERT
#define AT_ASSERT(cond, ...) AG_CHECK(cond __VA_OPT__(, ) __VA_ARGS__)
#endif
