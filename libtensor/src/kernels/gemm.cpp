// Matrix products through OpenBLAS. Transposed views go to BLAS as transpose
// flags, never as copies; only layouts BLAS cannot describe are copied.
#include <cblas.h>

#include <stdexcept>

#include "kernels/gemm_threads.h"
#include "kernels/kernels.h"

namespace ag::kernels {

namespace {

struct BlasOperand {
  Tensor t;  // the tensor whose memory BLAS reads
  CBLAS_TRANSPOSE trans = CblasNoTrans;
  int64_t ld = 1;
};

BlasOperand describe(const Tensor& t) {
  int64_t rows = t.size(0), cols = t.size(1);
  int64_t s0 = t.stride(0), s1 = t.stride(1);
  if ((cols == 1 || s1 == 1) && (rows == 1 || s0 >= std::max<int64_t>(cols, 1)))
    return {t, CblasNoTrans, rows == 1 ? std::max<int64_t>(cols, 1) : std::max<int64_t>(s0, 1)};
  if ((rows == 1 || s0 == 1) && (cols == 1 || s1 >= std::max<int64_t>(rows, 1)))
    return {t, CblasTrans, cols == 1 ? std::max<int64_t>(rows, 1) : std::max<int64_t>(s1, 1)};
  Tensor c = contiguous(t, true);
  return {c, CblasNoTrans, std::max<int64_t>(cols, 1)};
}

template <typename T>
void naive_gemm(const Tensor& a, const Tensor& b, const Tensor& c, double alpha, double beta) {
  int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  const T* pa = a.data_ptr<T>();
  const T* pb = b.data_ptr<T>();
  T* pc = c.data_ptr<T>();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T s = 0;
      for (int64_t p = 0; p < k; ++p) s += pa[i * a.stride(0) + p * a.stride(1)] * pb[p * b.stride(0) + j * b.stride(1)];
      T& o = pc[i * c.stride(0) + j * c.stride(1)];
      o = static_cast<T>(alpha) * s + (beta == 0 ? T(0) : static_cast<T>(beta) * o);
    }
}

}  // namespace

void gemm(const Tensor& a, const Tensor& b, const Tensor& c, double alpha, double beta) {
  int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (beta == 0) fill(c, 0);
    return;
  }
  if (c.stride(1) != 1 && n > 1) throw std::logic_error("gemm: output must be row-major");
  int64_t ldc = m == 1 ? n : c.stride(0);
  if (a.dtype() == kInt64) return naive_gemm<int64_t>(a, b, c, alpha, beta);
  BlasOperand A = describe(a), B = describe(b);
  if (const int threads = gemm_threads_for(m, n, k, A.trans == CblasTrans, B.trans == CblasTrans, a.dtype() == kFloat64)) set_blas_threads(threads);
  if (a.dtype() == kFloat32) {
    cblas_sgemm(CblasRowMajor, A.trans, B.trans, m, n, k, static_cast<float>(alpha), A.t.data_ptr<float>(), A.ld,
                B.t.data_ptr<float>(), B.ld, static_cast<float>(beta), c.data_ptr<float>(), ldc);
  } else if (a.dtype() == kFloat64) {
    cblas_dgemm(CblasRowMajor, A.trans, B.trans, m, n, k, alpha, A.t.data_ptr<double>(), A.ld, B.t.data_ptr<double>(),
                B.ld, beta, c.data_ptr<double>(), ldc);
  } else {
    throw std::invalid_argument(std::string("matmul: dtype ") + dtype_name(a.dtype()) + " is not supported");
  }
}

}  // namespace ag::kernels
