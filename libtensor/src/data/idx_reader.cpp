// IDX reader: header validation against the file's length, then one bulk read.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "ag/data/idx.h"
#include "data/gzip_file.h"

namespace ag::data {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("IDX file '" + path + "': " + what);
}

bool known_type(uint8_t code) {
  switch (static_cast<IdxType>(code)) {
    case IdxType::UInt8: case IdxType::Int8: case IdxType::Int16:
    case IdxType::Int32: case IdxType::Float32: case IdxType::Float64: return true;
  }
  return false;
}

const char* type_name(IdxType t) {
  switch (t) {
    case IdxType::UInt8: return "uint8";
    case IdxType::Int8: return "int8";
    case IdxType::Int16: return "int16";
    case IdxType::Int32: return "int32";
    case IdxType::Float32: return "float32";
    case IdxType::Float64: return "float64";
  }
  return "?";
}

std::string hex(uint64_t v, int digits) {
  std::ostringstream os;
  os << "0x" << std::hex;
  os.width(digits);
  os.fill('0');
  os << v;
  return os.str();
}

// Big-endian file order to host (little-endian) order, element by element.
void to_host_order(uint8_t* p, size_t nbytes, size_t elem) {
  if (elem == 1) return;
  for (size_t i = 0; i < nbytes; i += elem)
    for (size_t a = 0, b = elem - 1; a < b; ++a, --b) std::swap(p[i + a], p[i + b]);
}

}  // namespace

size_t idx_element_size(IdxType t) {
  switch (t) {
    case IdxType::UInt8: case IdxType::Int8: return 1;
    case IdxType::Int16: return 2;
    case IdxType::Int32: case IdxType::Float32: return 4;
    case IdxType::Float64: return 8;
  }
  throw std::invalid_argument("idx_element_size: unknown IDX type code " + std::to_string(static_cast<int>(t)));
}

IdxArray read_idx(const std::string& path) {
  detail::GzipFile file(path);
  uint8_t magic[4];
  size_t got = file.read(magic, 4);
  if (got < 4) fail(path, "holds " + std::to_string(got) + " bytes, fewer than the 4-byte IDX magic number");
  const uint64_t magic_value = uint64_t{magic[0]} << 24 | uint64_t{magic[1]} << 16 | uint64_t{magic[2]} << 8 | magic[3];
  if (magic[0] != 0 || magic[1] != 0)
    fail(path, "bad magic number " + hex(magic_value, 8) + " at byte 0: an IDX file starts with two zero bytes (is this an IDX file?)");
  if (!known_type(magic[2]))
    fail(path, "unknown element type code " + hex(magic[2], 2) + " at byte 2 (known: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, "
               "0x0d float32, 0x0e float64)");
  const int ndim = magic[3];
  if (ndim == 0) fail(path, "dimension count at byte 3 is 0");
  if (ndim > kMaxDims) fail(path, "dimension count " + std::to_string(ndim) + " at byte 3 exceeds the " + std::to_string(kMaxDims) + " allgrad supports");

  IdxArray out;
  out.type = static_cast<IdxType>(magic[2]);
  uint8_t dims[4 * kMaxDims];
  got = file.read(dims, 4 * static_cast<size_t>(ndim));
  if (got < 4 * static_cast<size_t>(ndim))
    fail(path, "header is truncated: the file ends at byte " + std::to_string(4 + got) + ", inside the " + std::to_string(ndim) +
               " dimension sizes that start at byte 4");
  const size_t elem = idx_element_size(out.type);
  unsigned __int128 data_bytes = elem;
  // The product of the non-zero sizes: a zero size makes the data empty, but a shape such
  // as [0, 2^32-1, 2^32-1, 2^32-1] still cannot be a tensor (its element count is
  // computed in int64 along the way).
  unsigned __int128 nonzero_product = 1;
  bool too_many = false;
  for (int d = 0; d < ndim; ++d) {
    const uint8_t* b = dims + 4 * d;
    const int64_t size = int64_t{b[0]} << 24 | int64_t{b[1]} << 16 | int64_t{b[2]} << 8 | b[3];
    out.shape.push_back(size);
    data_bytes *= static_cast<uint64_t>(size);
    if (size > 0) nonzero_product *= static_cast<uint64_t>(size);
    too_many = too_many || nonzero_product > static_cast<unsigned __int128>(INT64_MAX);
  }
  if (too_many)
    fail(path, "the header's shape " + to_string(out.shape) + " (at byte 4) has more elements than int64 can count");
  const uint64_t header_bytes = 4 + 4 * static_cast<uint64_t>(ndim);
  const unsigned __int128 total = header_bytes + data_bytes;
  const std::string declared = "the header declares " + std::string(type_name(out.type)) + to_string(out.shape) + " (" +
                               (data_bytes >> 64 ? std::string("more than 2^64") : std::to_string(static_cast<uint64_t>(data_bytes))) +
                               " data bytes after the " + std::to_string(header_bytes) + "-byte header)";
  // Check the declared size against what the file can hold before allocating anything.
  if (!file.compressed()) {
    if (total != file.file_size()) fail(path, declared + " but the file has " + std::to_string(file.file_size()) + " bytes");
  } else {
    constexpr uint64_t kMaxDeflateRatio = 1032;  // deflate cannot expand data more than this
    if (data_bytes > static_cast<unsigned __int128>(file.file_size()) * kMaxDeflateRatio)
      fail(path, declared + ", more than " + std::to_string(file.file_size()) + " compressed bytes can hold");
    if (file.declared_length() && static_cast<uint64_t>(total % (static_cast<unsigned __int128>(1) << 32)) != *file.declared_length())
      fail(path, declared + " but the gzip trailer says the uncompressed data is " + std::to_string(*file.declared_length()) +
                     " bytes (modulo 2^32)");
  }
  out.nbytes = static_cast<size_t>(data_bytes);
  // A plain file's length was checked above, so its buffer is allocated at once. A gzip
  // header can still claim up to 1032 times the compressed size; its buffer grows as the
  // data actually arrives, so a lying header costs no more memory than the real data.
  size_t capacity = file.compressed() ? std::min<size_t>(out.nbytes, size_t{1} << 20) : out.nbytes;
  out.data = std::make_unique_for_overwrite<uint8_t[]>(capacity == 0 ? 1 : capacity);
  got = 0;
  for (;;) {
    got += file.read(out.data.get() + got, capacity - got);
    if (got < capacity || capacity == out.nbytes) break;
    const size_t grown = std::min(out.nbytes, capacity * 2);
    auto bigger = std::make_unique_for_overwrite<uint8_t[]>(grown);
    std::memcpy(bigger.get(), out.data.get(), got);
    out.data = std::move(bigger);
    capacity = grown;
  }
  if (got < out.nbytes)
    fail(path, declared + " but the data ends at byte " + std::to_string(header_bytes + got) + " (" + std::to_string(out.nbytes - got) +
                   " bytes missing)");
  uint8_t extra;
  if (file.read(&extra, 1) != 0)
    fail(path, declared + " but more data follows at byte " + std::to_string(header_bytes + out.nbytes));
  to_host_order(out.data.get(), out.nbytes, elem);
  return out;
}

Tensor IdxArray::to_tensor() const {
  const int64_t n = numel();
  auto convert = [&](auto tag, ScalarType dtype) {
    using Src = decltype(tag);
    Tensor t = empty(shape, dtype);
    const uint8_t* src = data.get();
    auto fill = [&](auto* dst) {
      for (int64_t i = 0; i < n; ++i) {
        Src v;
        std::memcpy(&v, src + i * sizeof(Src), sizeof(Src));
        dst[i] = static_cast<std::remove_pointer_t<decltype(dst)>>(v);
      }
    };
    if (dtype == kFloat32) fill(t.data_ptr<float>());
    else if (dtype == kFloat64) fill(t.data_ptr<double>());
    else fill(t.data_ptr<int64_t>());
    return t;
  };
  switch (type) {
    case IdxType::UInt8: return convert(uint8_t{}, kInt64);
    case IdxType::Int8: return convert(int8_t{}, kInt64);
    case IdxType::Int16: return convert(int16_t{}, kInt64);
    case IdxType::Int32: return convert(int32_t{}, kInt64);
    case IdxType::Float32: return convert(float{}, kFloat32);
    case IdxType::Float64: return convert(double{}, kFloat64);
  }
  throw std::invalid_argument("IdxArray::to_tensor: unknown type code");
}

Tensor load_idx(const std::string& path) { return read_idx(path).to_tensor(); }

}  // namespace ag::data
