// NumPy .npy files: save and load, so data goes to and from NumPy.
#pragma once
#include <string>

#include "ag/tensor.h"

namespace ag {

/// Writes `t` as a version 1.0 .npy file (little-endian, C order).
void save_npy(const Tensor& t, const std::string& path);
/// The magic, version and header of `t`'s .npy encoding, padded to 64 bytes;
/// t's raw C-order bytes follow it in a .npy file (what .npz writers need).
std::string npy_header(const Tensor& t);
/// Reads a .npy file of dtype <f4, <f8, <i8, |b1 (also <i4, |u1, converted to int64).
/// Every header field and the data length are checked; errors name the file and what is wrong.
Tensor load_npy(const std::string& path);
/// Parses .npy bytes already in memory (`name` is used in error messages).
Tensor parse_npy(const std::string& bytes, const std::string& name);

}  // namespace ag
