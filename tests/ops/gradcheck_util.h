// Shared helpers for the per-op gradient checks.
#pragma once
#include <gtest/gtest.h>

#include "ag/ag.h"

namespace agtest {

/// A float64 leaf that requires grad, with values drawn from a fixed seed.
inline ag::Tensor leaf(const ag::Dims& shape, uint64_t seed = 1, double lo = -1, double hi = 1) {
  ag::Generator g(seed);
  auto t = ag::empty(shape, ag::kFloat64);
  ag::uniform_(t, lo, hi, &g);
  t.requires_grad_(true);
  return t;
}

#define EXPECT_GRADCHECK(fn, ...)                              \
  do {                                                         \
    auto r_ = ag::gradcheck(fn, __VA_ARGS__);                  \
    EXPECT_TRUE(r_.ok) << r_.message;                          \
  } while (0)

}  // namespace agtest
