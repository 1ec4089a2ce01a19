// Thread settings, flush-to-zero and the BLAS kernel choice.
#include <gtest/gtest.h>

#include <cfloat>
#include <cstdlib>

#include "ag/ag.h"
#include "ag/thread_budget.h"
#include "kernels/gemm_threads.h"

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

// Under the default count, a large product's shape is timed on its first calls and
// then keeps one choice; a small one never leaves one thread; set_num_threads forces
// its count on every product. Results must not depend on the choice.
TEST(Runtime, DefaultThreadsChooseEachProductShapeOnce) {
  int before = ag::get_num_threads();
  ag::set_default_num_threads(2);
  EXPECT_FALSE(ag::num_threads_forced());
  ag::manual_seed(0);
  auto a = ag::randn({256, 256}), b = ag::randn({256, 128});  // 8.4M multiply-adds
  auto small = ag::randn({16, 16});
  auto first = ag::matmul(a, b);
  const int calls = 2 + 2 * ag::kernels::kGemmTimedPairs;
  for (int i = 1; i < calls; ++i) {
    EXPECT_EQ(ag::kernels::gemm_thread_stats().decided, 0) << "decided after " << i << " calls";
    ag::matmul(small, small);
    EXPECT_EQ(openblas_get_num_threads(), 1);  // small products stay on one thread
    EXPECT_TRUE(ag::matmul(a, b).equal(first));
  }
  auto st = ag::kernels::gemm_thread_stats();
  EXPECT_EQ(st.decided, 1);
  const int chosen = openblas_get_num_threads();
  ag::matmul(a, b);
  EXPECT_EQ(openblas_get_num_threads(), st.parallel ? 2 : 1);
  EXPECT_TRUE(chosen == 1 || chosen == 2);
  // Every kGemmRetimeEvery calls a timed pair runs: one thread, then two; the shape stays decided.
  for (int i = 1; i < ag::kernels::kGemmRetimeEvery - 1; ++i) ag::matmul(a, b);
  ag::matmul(a, b);
  EXPECT_EQ(openblas_get_num_threads(), 1);
  ag::matmul(a, b);
  EXPECT_EQ(openblas_get_num_threads(), 2);
  EXPECT_TRUE(ag::matmul(a, b).equal(first));
  EXPECT_EQ(ag::kernels::gemm_thread_stats().decided, 1);
  EXPECT_NE(ag::blas_report().find("per shape"), std::string::npos);

  ag::set_num_threads(2);  // forced: every product gets 2, and the timings are forgotten
  EXPECT_TRUE(ag::num_threads_forced());
  EXPECT_EQ(ag::kernels::gemm_thread_stats().decided, 0);
  ag::matmul(small, small);
  EXPECT_EQ(openblas_get_num_threads(), 2);
  EXPECT_EQ(ag::blas_report().find("per shape"), std::string::npos);
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
