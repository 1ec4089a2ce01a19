// Windows over a token stream, gathered straight into int64 batches.
#include "ag/data/token_windows.h"

#include <stdexcept>

namespace ag::data {

TokenWindows::TokenWindows(TokenStream tokens, int64_t context, const std::string& what)
    : tokens_(std::move(tokens)), context_(context), count_(0) {
  if (!tokens_) throw std::invalid_argument("TokenWindows: no token stream");
  if (context_ < 1) throw std::invalid_argument("TokenWindows: context must be at least 1, got " + std::to_string(context_));
  const int64_t n = static_cast<int64_t>(tokens_->size());
  if (n < context_ + 1)
    throw std::invalid_argument(what + " holds " + std::to_string(n) + " tokens, fewer than context + 1 = " + std::to_string(context_ + 1) +
                                " needed for one example");
  count_ = (n - 1) / context_;
}

Example<> TokenWindows::get(int64_t index) const {
  const int64_t one[1] = {index};
  Example<> b = get_batch(one);
  return Example<>(b.data[0], b.target[0]);
}

Example<> TokenWindows::get_batch(std::span<const int64_t> indices) const {
  const int64_t rows = static_cast<int64_t>(indices.size()), T = context_;
  Tensor x = empty({rows, T}, kInt64), y = empty({rows, T}, kInt64);
  int64_t* xs = x.data_ptr<int64_t>();
  int64_t* ys = y.data_ptr<int64_t>();
  const uint16_t* tok = tokens_->data();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t i = indices[static_cast<size_t>(r)];
    check_index(i, count_, "TokenWindows");
    const uint16_t* w = tok + i * T;
    for (int64_t t = 0; t < T; ++t) {
      xs[r * T + t] = w[t];
      ys[r * T + t] = w[t + 1];
    }
  }
  return Example<>(x, y);
}

}  // namespace ag::data
