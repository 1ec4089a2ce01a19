// Storage, TensorImpl, and Tensor's metadata and raw-data accessors.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <stdexcept>

#include "ag/autograd.h"
#include "ag/tensor.h"

namespace ag {

namespace {
constexpr size_t kAlignment = 64;  // a cache line, and what AVX-512 loads like

// Still a std::bad_alloc, but its message says how much was asked for, as PyTorch's
// "DefaultCPUAllocator: can't allocate memory: you tried to allocate N bytes" does, so a
// command-line user sees more than "std::bad_alloc".
class TensorAllocationError : public std::bad_alloc {
 public:
  explicit TensorAllocationError(size_t n) {
    std::ostringstream os;
    os << "out of memory: cannot allocate " << n << " bytes (" << static_cast<double>(n) / (1 << 30) << " GiB) for a tensor";
    message_ = os.str();
  }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};
}  // namespace

Storage::Storage(size_t n) : nbytes(n) {
  if (n > SIZE_MAX - kAlignment) throw TensorAllocationError(n);  // the rounding below would wrap
  size_t rounded = (n + kAlignment - 1) / kAlignment * kAlignment;
  data = std::aligned_alloc(kAlignment, rounded ? rounded : kAlignment);
  if (!data) throw TensorAllocationError(n);
}

Storage::Storage(void* d, size_t n, std::shared_ptr<void> keep_alive)
    : data(d), nbytes(n), external(keep_alive ? std::move(keep_alive) : std::shared_ptr<void>(d, [](void*) {})) {}

Storage::~Storage() {
  if (!external) std::free(data);
}

TensorImpl::TensorImpl() = default;
TensorImpl::~TensorImpl() = default;

TensorImpl& Tensor::impl() const {
  if (!impl_) throw std::logic_error("operation on an undefined tensor");
  return *impl_;
}

int64_t Tensor::size(int64_t d) const { return impl().sizes[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return impl().strides[wrap_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  const TensorImpl& t = impl();
  int64_t expected = 1;
  for (size_t i = t.sizes.size(); i-- > 0;) {
    if (t.sizes[i] == 1) continue;
    if (t.strides[i] != expected) return false;
    expected *= t.sizes[i];
  }
  return true;
}

std::string Tensor::toString() const {
  if (!defined()) return "UndefinedTensor";
  return std::string(tensor_type_name(dtype())) + to_string(sizes());
}

void* Tensor::data_ptr() const {
  const TensorImpl& t = impl();
  return static_cast<char*>(t.storage->data) + t.offset * static_cast<int64_t>(ag::element_size(t.dtype));
}

template <typename T> T* Tensor::data_ptr() const {
  if (dtype() != CppTypeToScalar<T>::value)
    throw std::invalid_argument(std::string("data_ptr: tensor is ") + dtype_name(dtype()) + ", asked for " +
                                dtype_name(CppTypeToScalar<T>::value));
  return static_cast<T*>(data_ptr());
}
template float* Tensor::data_ptr<float>() const;
template double* Tensor::data_ptr<double>() const;
template int64_t* Tensor::data_ptr<int64_t>() const;
template bool* Tensor::data_ptr<bool>() const;

double Tensor::item() const {
  if (numel() != 1)
    throw std::invalid_argument("item(): a Tensor with " + std::to_string(numel()) +
                                " elements cannot be converted to a scalar (shape " + to_string(sizes()) + ")");
  return AG_DISPATCH_ALL(dtype(), "item", [&] { return static_cast<double>(*static_cast<scalar_t*>(data_ptr())); });
}

template <typename T> T Tensor::item() const {
  if (numel() != 1)
    throw std::invalid_argument("item(): a Tensor with " + std::to_string(numel()) +
                                " elements cannot be converted to a scalar (shape " + to_string(sizes()) + ")");
  return AG_DISPATCH_ALL(dtype(), "item", [&] { return static_cast<T>(*static_cast<scalar_t*>(data_ptr())); });
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;
template int Tensor::item<int>() const;
template bool Tensor::item<bool>() const;

}  // namespace ag
