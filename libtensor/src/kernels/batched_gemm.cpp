// Batched matrix products over broadcast batch dims without materialising the
// broadcast: each batch index gets 2-D views of a, b and c at offsets computed
// from their (possibly zero) batch strides, and one gemm. Small products run
// one per pool task with single-threaded BLAS; large ones keep BLAS's threads.
#include <atomic>

#include "ag/runtime.h"
#include "kernels/blas_call.h"
#include "kernels/kernels.h"
#include "kernels/parallel.h"
#include "tensor/make.h"

namespace ag::kernels {

namespace {

// Below this many multiply-adds per product, one product per thread beats BLAS's own threading.
constexpr int64_t kSmallProduct = int64_t{1} << 24;

Tensor matrix_at(const Tensor& t, const Dims& index) {
  int64_t off = t.storage_offset();
  for (size_t d = 0; d < index.size(); ++d) off += index[d] * t.stride(static_cast<int64_t>(d));
  return detail::make_view(t, {t.size(-2), t.size(-1)}, {t.stride(-2), t.stride(-1)}, off);
}

}  // namespace

void batched_gemm(const Tensor& a, const Tensor& b, const Tensor& c, double beta) {
  const int64_t rank = c.dim() - 2;
  const Dims batch(c.sizes().begin(), c.sizes().end() - 2);
  const int64_t nb = numel_of(batch);
  bool shared_out = false;  // some slice of c is the target of several products
  for (int64_t d = 0; d < rank; ++d) shared_out |= c.size(d) > 1 && c.stride(d) == 0;
  auto product = [&](int64_t i) {
    Dims index(static_cast<size_t>(rank));
    for (int64_t d = rank - 1, rest = i; d >= 0; --d) {
      index[static_cast<size_t>(d)] = rest % batch[static_cast<size_t>(d)];
      rest /= batch[static_cast<size_t>(d)];
    }
    gemm(matrix_at(a, index), matrix_at(b, index), matrix_at(c, index), 1, beta);
  };
  const int64_t work = a.size(-2) * a.size(-1) * b.size(-1);
  if (shared_out || nb < 2 || get_num_threads() < 2 || work >= kSmallProduct) {
    for (int64_t i = 0; i < nb; ++i) product(i);
    return;
  }
  BlasSingleThreaded serial_blas;
  std::atomic<int64_t> next{0};
  parallel_for(get_num_threads(), 1, [&](int64_t, int64_t) {
    for (int64_t i; (i = next.fetch_add(1)) < nb;) product(i);
  });
}

}  // namespace ag::kernels
