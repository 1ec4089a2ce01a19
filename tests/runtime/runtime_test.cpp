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

// Under the default count, large products run on one setting per block of
// kGemmBlockCalls calls of the first large shape: warm-up blocks of one thread and of
// two, then timed pairs, then the choice, re-timed every kGemmRetimeBlocks blocks;
// small products never leave one thread; set_num_threads forces its count on every
// product. (The probe is told that OpenBLAS gives the same bits on 1 and 2 threads,
// which is not so on every machine: the next test covers that.)
TEST(Runtime, DefaultThreadsChooseFromWholeBlocksOfSteps) {
  namespace k = ag::kernels;
  int before = ag::get_num_threads();
  k::set_gemm_probe(k::GemmProbe::Same);
  ag::set_default_num_threads(2);
  EXPECT_FALSE(ag::num_threads_forced());
  ag::manual_seed(0);
  auto a = ag::randn({512, 256}), b = ag::randn({256, 256});  // 33.5M multiply-adds: the anchor
  auto c = ag::randn({256, 512});                              // another large shape (33.5M)
  auto small = ag::randn({16, 16});
  auto first = ag::matmul(a, b), other = ag::matmul(b, c);
  auto step = [&] {  // one "step": the anchor, another large product, a small one
    EXPECT_TRUE(ag::matmul(a, b).allclose(first, 1e-4, 1e-4));  // rounding may differ with the threads
    int anchor_threads = openblas_get_num_threads();
    EXPECT_TRUE(ag::matmul(b, c).allclose(other, 1e-4, 1e-4));
    EXPECT_EQ(openblas_get_num_threads(), anchor_threads);  // one setting for all large products
    ag::matmul(small, small);
    EXPECT_EQ(openblas_get_num_threads(), 1);
    return anchor_threads;
  };
  // Blocks: warm-up 1, warm-up 2, then (1, 2) x kGemmTimedPairs. The first call
  // made the anchor, so block 0 ends at the anchor's kGemmBlockCalls-th call after it.
  const int setup_blocks = 2 + 2 * k::kGemmTimedPairs;
  for (int blk = 0; blk < setup_blocks; ++blk) {
    EXPECT_FALSE(k::gemm_thread_stats().decided) << "block " << blk;
    for (int i = 0; i < k::kGemmBlockCalls; ++i) {
      int t = step();
      // the call that ends a block already runs with the next block's setting
      if (i < k::kGemmBlockCalls - 1) {
        EXPECT_EQ(t, blk % 2 ? 2 : 1) << "block " << blk << " call " << i;
      }
    }
  }
  auto st = k::gemm_thread_stats();
  EXPECT_TRUE(st.decided);
  EXPECT_EQ(st.blocks, setup_blocks);
  EXPECT_TRUE(st.threads == 1 || st.threads == 2);
  for (int i = 0; i < k::kGemmRetimeBlocks * k::kGemmBlockCalls - 1; ++i) EXPECT_EQ(step(), st.threads);
  EXPECT_EQ(step(), 1);  // the re-timed pair: a block of one thread, then of two
  for (int i = 0; i < k::kGemmBlockCalls; ++i) step();
  EXPECT_EQ(step(), 2);
  EXPECT_NE(ag::blas_report().find("timed on whole steps"), std::string::npos);

  ag::set_num_threads(2);  // forced: every product gets 2, and the timings are forgotten
  EXPECT_TRUE(ag::num_threads_forced());
  EXPECT_FALSE(k::gemm_thread_stats().decided);
  ag::matmul(small, small);
  EXPECT_EQ(openblas_get_num_threads(), 2);
  EXPECT_EQ(ag::blas_report().find("timed on whole steps"), std::string::npos);
  k::set_gemm_probe(k::GemmProbe::Real);
  ag::set_num_threads(before);
}

// Where OpenBLAS gives other bits on 2 threads than on one (probed per large shape, or
// imposed here), every product stays on one thread, so results never depend on timing:
// each step's products are bitwise the first's. The real probe's verdict must match
// what OpenBLAS does with this shape on this machine.
TEST(Runtime, DefaultThreadsStayOnOneWhereThreadsChangeTheBits) {
  namespace k = ag::kernels;
  int before = ag::get_num_threads();
  ag::manual_seed(0);
  auto a = ag::randn({512, 256}), b = ag::randn({256, 256});
  ag::set_num_threads(1);
  auto on_one = ag::matmul(a, b);
  ag::set_num_threads(2);
  const bool differ_here = !ag::matmul(a, b).equal(on_one);
  for (auto mode : {k::GemmProbe::Real, k::GemmProbe::Differ}) {
    k::set_gemm_probe(mode);
    ag::set_default_num_threads(2);
    ag::matmul(a, b);
    const bool differ = mode == k::GemmProbe::Differ || differ_here;
    EXPECT_EQ(k::gemm_thread_stats().bits_differ, differ) << "probe mode " << static_cast<int>(mode);
    if (!differ) continue;  // this machine's OpenBLAS agrees with itself: the test above covers it
    for (int i = 0; i < (2 + 2 * k::kGemmTimedPairs + 1) * k::kGemmBlockCalls; ++i) {
      EXPECT_TRUE(ag::matmul(a, b).equal(on_one)) << "call " << i;
      EXPECT_EQ(openblas_get_num_threads(), 1) << "call " << i;
    }
    EXPECT_FALSE(k::gemm_thread_stats().decided);
    EXPECT_NE(ag::blas_report().find("OpenBLAS's results change with its thread count"), std::string::npos) << ag::blas_report();
  }
  k::set_gemm_probe(k::GemmProbe::Real);
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
