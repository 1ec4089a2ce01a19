// Sequential's indexing and forward chain.
#include "ag/nn/sequential.h"

#include <stdexcept>

namespace ag::nn {

ModulePtr SequentialImpl::operator[](int64_t index) const {
  const auto n = static_cast<int64_t>(modules_.size());
  if (index < -n || index >= n)
    throw std::out_of_range("Sequential: index " + std::to_string(index) + " is out of range for " + std::to_string(n) +
                            " modules");
  return modules_[static_cast<size_t>(index < 0 ? index + n : index)];
}

Tensor SequentialImpl::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& m : modules_) x = m->forward(x);
  return x;
}

}  // namespace ag::nn
