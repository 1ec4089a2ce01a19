// torch.nn.init's initialisers. The bounds are computed in double exactly as
// Python computes them, so a seed gives PyTorch's numbers bit for bit.
#include "ag/nn/init.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "ag/grad_mode.h"

namespace ag::nn::init {

double calculate_gain(std::string_view nl, std::optional<double> param) {
  static constexpr std::string_view kLinear[] = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                                 "conv_transpose2d", "conv_transpose3d", "sigmoid"};
  for (auto name : kLinear)
    if (nl == name) return 1;
  if (nl == "tanh") return 5.0 / 3;
  if (nl == "relu") return std::sqrt(2.0);
  if (nl == "leaky_relu") {
    double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1 + slope * slope));
  }
  if (nl == "selu") return 3.0 / 4;
  throw std::invalid_argument("calculate_gain: unsupported nonlinearity '" + std::string(nl) + "'");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  if (t.dim() < 2)
    throw std::invalid_argument("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape " +
                                to_string(t.sizes()) + ")");
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

namespace {
int64_t fan_for_mode(const Tensor& t, std::string_view mode) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  if (mode == "fan_in") return fan_in;
  if (mode == "fan_out") return fan_out;
  throw std::invalid_argument("kaiming init: mode must be 'fan_in' or 'fan_out', got '" + std::string(mode) + "'");
}
}  // namespace

Tensor uniform_(const Tensor& t, double a, double b, Generator* gen) {
  NoGradGuard no_grad;
  Tensor h = t;
  return ag::uniform_(h, a, b, gen);
}

Tensor normal_(const Tensor& t, double mean, double std, Generator* gen) {
  NoGradGuard no_grad;
  Tensor h = t;
  return ag::normal_(h, mean, std, gen);
}

Tensor constant_(const Tensor& t, double value) {
  NoGradGuard no_grad;
  Tensor h = t;
  return h.fill_(value);
}

Tensor zeros_(const Tensor& t) { return constant_(t, 0); }
Tensor ones_(const Tensor& t) { return constant_(t, 1); }

Tensor xavier_uniform_(const Tensor& t, double gain, Generator* gen) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  double a = std::sqrt(3.0) * std;
  return uniform_(t, -a, a, gen);
}

Tensor xavier_normal_(const Tensor& t, double gain, Generator* gen) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return normal_(t, 0, std, gen);
}

Tensor kaiming_uniform_(const Tensor& t, double a, std::string_view mode, std::string_view nonlinearity, Generator* gen) {
  if (t.numel() == 0) return t;
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan_for_mode(t, mode)));
  double bound = std::sqrt(3.0) * std;
  return uniform_(t, -bound, bound, gen);
}

Tensor kaiming_normal_(const Tensor& t, double a, std::string_view mode, std::string_view nonlinearity, Generator* gen) {
  if (t.numel() == 0) return t;
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan_for_mode(t, mode)));
  return normal_(t, 0, std, gen);
}

}  // namespace ag::nn::init
