// ag::nn::init: in-place parameter initialisers with torch.nn.init's formulas,
// drawing from ag's generator (the global one unless `gen` is given). Each runs
// under NoGradGuard, so parameters that require grad can be filled.
#pragma once
#include <optional>
#include <string_view>
#include <utility>

#include "ag/generator.h"
#include "ag/tensor.h"

namespace ag::nn::init {

/// The recommended gain for a nonlinearity: "linear", "conv1d".."conv3d",
/// "conv_transpose1d".."conv_transpose3d", "sigmoid" → 1; "tanh" → 5/3; "relu" → √2;
/// "leaky_relu" → √(2/(1+slope²)) with slope = param or 0.01; "selu" → 3/4.
double calculate_gain(std::string_view nonlinearity, std::optional<double> param = std::nullopt);
/// (fan_in, fan_out) of a weight of shape (out, in, k...): in·Πk and out·Πk. Needs 2 or more dims.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t);

/// Fills with U(a, b).
Tensor uniform_(const Tensor& t, double a = 0, double b = 1, Generator* gen = nullptr);
/// Fills with N(mean, std²).
Tensor normal_(const Tensor& t, double mean = 0, double std = 1, Generator* gen = nullptr);
Tensor constant_(const Tensor& t, double value);
Tensor zeros_(const Tensor& t);
Tensor ones_(const Tensor& t);
/// U(−a, a) with a = gain·√(6/(fan_in+fan_out)) (Glorot).
Tensor xavier_uniform_(const Tensor& t, double gain = 1, Generator* gen = nullptr);
/// N(0, std²) with std = gain·√(2/(fan_in+fan_out)).
Tensor xavier_normal_(const Tensor& t, double gain = 1, Generator* gen = nullptr);
/// U(−b, b) with b = gain·√3/√fan (He); mode is "fan_in" or "fan_out". Linear uses a = √5.
/// A tensor with no elements is left alone, as in PyTorch.
Tensor kaiming_uniform_(const Tensor& t, double a = 0, std::string_view mode = "fan_in",
                        std::string_view nonlinearity = "leaky_relu", Generator* gen = nullptr);
/// N(0, std²) with std = gain/√fan.
Tensor kaiming_normal_(const Tensor& t, double a = 0, std::string_view mode = "fan_in",
                       std::string_view nonlinearity = "leaky_relu", Generator* gen = nullptr);

}  // namespace ag::nn::init
