// Typed raw-pointer BLAS products for kernels that walk their own buffers
// (convolution lowers each image to one product), and the switch that keeps
// OpenBLAS on one thread while allgrad's pool already runs one task per core.
#pragma once
#include <cblas.h>

#include <cstdint>

#include "ag/runtime.h"
#include "kernels/gemm_threads.h"

namespace ag::kernels {

/// C[m,n] = alpha * op(A) @ op(B) + beta * C, all row-major with leading dimensions given.
template <typename T>
inline void gemm_raw(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
                     const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans, tb = trans_b ? CblasTrans : CblasNoTrans;
  if constexpr (sizeof(T) == sizeof(float))
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/// While alive, OpenBLAS runs every call on the calling thread. Used around
/// parallel_for regions whose tasks call BLAS, so the two pools never nest
/// (two cores would otherwise carry four busy threads). Restores the budget of
/// ag::set_num_threads, not the count it found: if two regions overlap, the
/// second would otherwise find 1 and leave OpenBLAS single-threaded for good.
class BlasSingleThreaded {
 public:
  BlasSingleThreaded() : budget_(get_num_threads()) {
    if (budget_ != 1) set_blas_threads(1);
  }
  ~BlasSingleThreaded() {
    if (budget_ != 1) set_blas_threads(budget_);
  }
  BlasSingleThreaded(const BlasSingleThreaded&) = delete;
  BlasSingleThreaded& operator=(const BlasSingleThreaded&) = delete;

 private:
  int budget_;
};

}  // namespace ag::kernels
