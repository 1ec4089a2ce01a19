// Random numbers: the MT19937 stream PyTorch's CPU generator produces, so a
// seed gives the same draws in both.
#pragma once
#include <concepts>
#include <array>
#include <cstdint>
#include <vector>

#include "ag/tensor.h"

namespace ag {

/// PyTorch-compatible CPU generator (mt19937 with init_genrand seeding).
class Generator {
 public:
  /// PyTorch's default seed of a fresh process.
  static constexpr uint64_t kDefaultSeed = 67280421310721ULL;
  explicit Generator(uint64_t seed = kDefaultSeed) { manual_seed(seed); }

  void manual_seed(uint64_t seed);
  uint64_t initial_seed() const { return seed_; }
  /// One 32-bit draw.
  uint32_t random();
  /// Two draws, the first as the high word.
  uint64_t random64();
  /// float uniform in [a, b) the way torch's float uniform_ does it.
  float uniform_float(float a, float b);
  /// double uniform in [a, b), torch's double path.
  double uniform_double(double a, double b);
  /// Standard normal (Box-Muller on pairs of doubles, cached second value).
  double normal_double();

  /// Full state, for checkpoints: 624 words, index, seed, cached normal.
  struct State {
    std::array<uint32_t, 624> mt{};
    int32_t index = 0;
    uint64_t seed = 0;
    bool has_next_normal = false;
    double next_normal = 0;
  };
  State get_state() const;
  void set_state(const State& s);

 private:
  void twist();
  std::array<uint32_t, 624> mt_{};
  int32_t index_ = 0;
  uint64_t seed_ = 0;
  bool has_next_normal_ = false;
  double next_normal_ = 0;
};

/// The process-wide generator behind rand, randn, randint, randperm and init.
Generator& default_generator();
/// Seeds the global generator (torch.manual_seed).
void manual_seed(uint64_t seed);

Tensor rand(const Dims& shape, TensorOptions opts = {}, Generator* gen = nullptr);
Tensor randn(const Dims& shape, TensorOptions opts = {}, Generator* gen = nullptr);
/// One-dimensional forms (`torch::randn(3)`); templates, so that `randn({})` stays 0-d.
template <std::integral I>
  requires(!std::same_as<I, bool>)
Tensor rand(I n, TensorOptions opts = {}, Generator* gen = nullptr) {
  return rand(Dims{static_cast<int64_t>(n)}, opts, gen);
}
template <std::integral I>
  requires(!std::same_as<I, bool>)
Tensor randn(I n, TensorOptions opts = {}, Generator* gen = nullptr) {
  return randn(Dims{static_cast<int64_t>(n)}, opts, gen);
}
/// Integers in [low, high), int64 unless another dtype is asked for.
Tensor randint(int64_t low, int64_t high, const Dims& shape, TensorOptions opts = {}, Generator* gen = nullptr);
/// Integers in [0, high).
inline Tensor randint(int64_t high, const Dims& shape, TensorOptions opts = {}, Generator* gen = nullptr) {
  return randint(0, high, shape, opts, gen);
}
/// A random permutation of 0..n-1 (torch.randperm's CPU algorithm).
Tensor randperm(int64_t n, Generator* gen = nullptr);
std::vector<int64_t> randperm_vector(int64_t n, Generator& gen);

/// In-place fills drawing from `gen` (global generator when null).
Tensor& uniform_(Tensor& t, double a = 0, double b = 1, Generator* gen = nullptr);
Tensor& normal_(Tensor& t, double mean = 0, double std = 1, Generator* gen = nullptr);

}  // namespace ag
