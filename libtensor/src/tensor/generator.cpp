// MT19937 and the draws built on it, matching PyTorch's CPU generator
// (init_genrand seeding; float uniform from 24 masked bits; randperm as a
// forward Fisher-Yates; normal via Box-Muller like torch's normal_).
#include "ag/generator.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "tensor/make.h"

namespace ag {

void Generator::manual_seed(uint64_t seed) {
  seed_ = seed;
  mt_[0] = static_cast<uint32_t>(seed & 0xffffffffULL);
  for (int j = 1; j < 624; ++j) mt_[j] = 1812433253U * (mt_[j - 1] ^ (mt_[j - 1] >> 30)) + static_cast<uint32_t>(j);
  index_ = 624;
  has_next_normal_ = false;
  next_normal_ = 0;
}

void Generator::twist() {
  constexpr uint32_t kUpper = 0x80000000U, kLower = 0x7fffffffU, kMatrix = 0x9908b0dfU;
  for (int i = 0; i < 624; ++i) {
    uint32_t y = (mt_[i] & kUpper) | (mt_[(i + 1) % 624] & kLower);
    mt_[i] = mt_[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1U) ? kMatrix : 0U);
  }
  index_ = 0;
}

uint32_t Generator::random() {
  if (index_ >= 624) twist();
  uint32_t y = mt_[index_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= y >> 18;
  return y;
}

uint64_t Generator::random64() {
  uint64_t hi = random();
  uint64_t lo = random();
  return (hi << 32) | lo;
}

float Generator::uniform_float(float a, float b) {
  float x = static_cast<float>(random() & 0xFFFFFFu) * (1.0f / 16777216.0f);
  return x * (b - a) + a;
}

double Generator::uniform_double(double a, double b) {
  double x = static_cast<double>(random64() & ((1ULL << 53) - 1)) * (1.0 / 9007199254740992.0);
  return x * (b - a) + a;
}

double Generator::normal_double() {
  if (has_next_normal_) {
    has_next_normal_ = false;
    return next_normal_;
  }
  double u1 = uniform_double(0, 1);
  double u2 = uniform_double(0, 1);
  double r = std::sqrt(-2 * std::log(1 - u2));
  double theta = 2 * std::numbers::pi * u1;
  next_normal_ = r * std::sin(theta);
  has_next_normal_ = true;
  return r * std::cos(theta);
}

Generator::State Generator::get_state() const {
  return State{mt_, index_, seed_, has_next_normal_, next_normal_};
}

void Generator::set_state(const State& s) {
  if (s.index < 0 || s.index > 624) throw std::invalid_argument("Generator::set_state: index " + std::to_string(s.index) + " out of range");
  mt_ = s.mt;
  index_ = s.index;
  seed_ = s.seed;
  has_next_normal_ = s.has_next_normal;
  next_normal_ = s.next_normal;
}

Generator& default_generator() {
  static Generator g;
  return g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

namespace {
Generator& pick(Generator* g) { return g ? *g : default_generator(); }

Tensor make_float(const Dims& shape, const TensorOptions& opts, const char* op) {
  check_cpu_device(opts.device_, op);
  ScalarType t = opts.dtype_or(kFloat32);
  if (!is_floating_point(t)) throw std::invalid_argument(std::string(op) + ": needs a floating point dtype, got " + dtype_name(t));
  return detail::make_empty(shape, t);
}

template <typename T>
void normal_fill_16(T* data, T mean, T stdv) {
  for (int j = 0; j < 8; ++j) {
    const T u1 = 1 - data[j];
    const T u2 = data[j + 8];
    const T radius = std::sqrt(-2 * std::log(u1));
    const T theta = static_cast<T>(2.0f * std::numbers::pi * u2);
    data[j] = radius * std::cos(theta) * stdv + mean;
    data[j + 8] = radius * std::sin(theta) * stdv + mean;
  }
}

template <typename T>
T uniform01(Generator& g) {
  if constexpr (std::is_same_v<T, float>) return g.uniform_float(0, 1);
  else return g.uniform_double(0, 1);
}
}  // namespace

Tensor& uniform_(Tensor& t, double a, double b, Generator* gen) {
  Generator& g = pick(gen);
  Tensor c = t.is_contiguous() ? t : detail::make_empty(t.sizes(), t.dtype());
  AG_DISPATCH_FLOATING(t.dtype(), "uniform_", [&] {
    scalar_t* p = c.data_ptr<scalar_t>();
    int64_t n = c.numel();
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<scalar_t, float>) p[i] = g.uniform_float(static_cast<float>(a), static_cast<float>(b));
      else p[i] = g.uniform_double(a, b);
    }
  });
  if (!c.is_same(t)) t.copy_(c);
  else t.bump_version();
  return t;
}

Tensor& normal_(Tensor& t, double mean, double stdv, Generator* gen) {
  Generator& g = pick(gen);
  Tensor c = t.is_contiguous() ? t : detail::make_empty(t.sizes(), t.dtype());
  AG_DISPATCH_FLOATING(t.dtype(), "normal_", [&] {
    scalar_t* p = c.data_ptr<scalar_t>();
    int64_t n = c.numel();
    if (n >= 16) {
      for (int64_t i = 0; i < n; ++i) p[i] = uniform01<scalar_t>(g);
      for (int64_t i = 0; i + 16 <= n; i += 16)
        normal_fill_16<scalar_t>(p + i, static_cast<scalar_t>(mean), static_cast<scalar_t>(stdv));
      if (n % 16 != 0) {
        scalar_t* tail = p + n - 16;
        for (int i = 0; i < 16; ++i) tail[i] = uniform01<scalar_t>(g);
        normal_fill_16<scalar_t>(tail, static_cast<scalar_t>(mean), static_cast<scalar_t>(stdv));
      }
    } else {
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(g.normal_double() * stdv + mean);
    }
  });
  if (!c.is_same(t)) t.copy_(c);
  else t.bump_version();
  return t;
}

Tensor rand(const Dims& shape, TensorOptions opts, Generator* gen) {
  Tensor t = make_float(shape, opts, "rand");
  uniform_(t, 0, 1, gen);
  if (opts.requires_grad_) t.requires_grad_(true);
  return t;
}

Tensor randn(const Dims& shape, TensorOptions opts, Generator* gen) {
  Tensor t = make_float(shape, opts, "randn");
  normal_(t, 0, 1, gen);
  if (opts.requires_grad_) t.requires_grad_(true);
  return t;
}

Tensor randint(int64_t low, int64_t high, const Dims& shape, TensorOptions opts, Generator* gen) {
  if (high <= low)
    throw std::invalid_argument("randint: expects low < high, got low=" + std::to_string(low) + " high=" + std::to_string(high));
  check_cpu_device(opts.device_, "randint");
  Generator& g = pick(gen);
  Tensor t = detail::make_empty(shape, kInt64);
  auto range = static_cast<uint64_t>(high - low);
  int64_t* p = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < t.numel(); ++i)
    p[i] = low + static_cast<int64_t>(range >= (1ULL << 32) ? g.random64() % range : g.random() % range);
  if (opts.dtype_ && *opts.dtype_ != kInt64) t = t.to(*opts.dtype_);
  return t;
}

std::vector<int64_t> randperm_vector(int64_t n, Generator& g) {
  if (n < 0) throw std::invalid_argument("randperm: n must be non-negative, got " + std::to_string(n));
  std::vector<int64_t> r(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) r[i] = i;
  for (int64_t i = 0; i + 1 < n; ++i) {
    int64_t z = static_cast<int64_t>(g.random() % static_cast<uint64_t>(n - i));
    std::swap(r[i], r[i + z]);
  }
  return r;
}

Tensor randperm(int64_t n, Generator* gen) { return from_vector(randperm_vector(n, pick(gen)), {n}); }

Tensor& Tensor::uniform_(double from, double to) { return ag::uniform_(*this, from, to); }
Tensor& Tensor::normal_(double mean, double std) { return ag::normal_(*this, mean, std); }

}  // namespace ag
