// IDX files (the MNIST / Fashion-MNIST layout), raw or gzip-compressed.
//
// Layout: two zero bytes, a type code, a dimension count d, then d big-endian uint32 sizes,
// then the elements in C order, big-endian. Every field is checked, and the size the header
// declares is checked against the file's length before anything is allocated.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "ag/tensor.h"

namespace ag::data {

/// Element types an IDX file can hold (its third byte).
enum class IdxType : uint8_t { UInt8 = 0x08, Int8 = 0x09, Int16 = 0x0B, Int32 = 0x0C, Float32 = 0x0D, Float64 = 0x0E };

/// Bytes per element of an IDX type.
size_t idx_element_size(IdxType t);

/// An IDX file's contents: element type, shape, and the elements in host byte order.
struct IdxArray {
  IdxType type = IdxType::UInt8;
  Dims shape;
  std::unique_ptr<uint8_t[]> data;
  size_t nbytes = 0;

  int64_t numel() const { return numel_of(shape); }
  /// The elements as a tensor: float32 and float64 keep their type, integer types become
  /// int64 (allgrad has no narrower integer dtype).
  Tensor to_tensor() const;
};

/// Reads an IDX file; gzip compression is recognised by its magic bytes, whatever the name.
/// Errors (std::runtime_error) name the file and what is wrong, with the byte offset in the
/// uncompressed data: bad magic, unknown type code, too many dimensions, a declared size that
/// disagrees with the file's length, truncated or corrupt gzip data, trailing bytes.
IdxArray read_idx(const std::string& path);

/// read_idx(path).to_tensor().
Tensor load_idx(const std::string& path);

}  // namespace ag::data
