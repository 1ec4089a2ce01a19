// Thread settings, flush-to-zero and the BLAS kernel choice.
#include <gtest/gtest.h>

#include <cfloat>
#include <cstdlib>

#include "ag/ag.h"

// OpenBLAS's own report of its thread count (the test links OpenBLAS directly).
extern "C" int openblas_get_num_threads(void);

TEST(Runtime, ThreadSettingCoversBlasAndOwnLoops) {
  int before = ag::get_num_threads();
  EXPECT_GE(before, 1);
  ag::set_num_threads(2);
  EXPECT_EQ(ag::get_num_threads(), 2);
  EXPECT_EQ(openblas_get_num_threads(), 2);
  ag::set_num_threads(3);
  EXPECT_EQ(openblas_get_num_threads(), 3);
  ag::set_num_threads(2);
  // The pool must give the same answer as one thread on an input large enough to
  // be split (twice kernels::kParallelGrain and more).
  auto x = ag::arange(0, 1 << 22, 1, ag::kFloat64);
  double two = (x * 3.0).sum().item();
  ag::set_num_threads(1);
  double one = (x * 3.0).sum().item();
  EXPECT_EQ(one, two);
  EXPECT_EQ(openblas_get_num_threads(), 1);
  ag::set_num_threads(before);
}

TEST(Runtime, FlushDenormalZeroesSubnormals) {
  volatile float tiny = FLT_MIN;
  ASSERT_TRUE(ag::set_flush_denormal(true));
  volatile float r = tiny / 4.0f;
  EXPECT_EQ(r, 0.0f);
  ag::set_flush_denormal(false);
  r = tiny / 4.0f;
  EXPECT_GT(r, 0.0f);
}

TEST(Runtime, BlasKernelsComputeCorrectly) {
  EXPECT_TRUE(ag::blas_self_test());
  EXPECT_FALSE(ag::active_blas_core().empty());
  EXPECT_NE(ag::blas_report().find("OpenBLAS core"), std::string::npos);
}
