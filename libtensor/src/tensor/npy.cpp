// The .npy format: magic, version, a Python-dict header, then raw C-order data.
#include "ag/npy.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "kernels/kernels.h"
#include "tensor/make.h"

namespace ag {

namespace {

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw std::runtime_error("npy file '" + name + "': " + what);
}

const char* descr_of(ScalarType t) {
  switch (t) {
    case kFloat32: return "<f4";
    case kFloat64: return "<f8";
    case kInt64: return "<i8";
    case kBool: return "|b1";
  }
  return "";
}

// Value of `key` in the header dict, as raw text up to the next top-level comma.
std::string field(const std::string& header, const std::string& key, const std::string& name) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) fail(name, "header has no '" + key + "' field");
  size_t colon = header.find(':', k);
  if (colon == std::string::npos) fail(name, "header field '" + key + "' has no value");
  size_t start = colon + 1;
  while (start < header.size() && header[start] == ' ') ++start;
  if (start < header.size() && header[start] == '(') {
    size_t end = header.find(')', start);
    if (end == std::string::npos) fail(name, "header field '" + key + "' is not closed");
    return header.substr(start, end - start + 1);
  }
  size_t end = header.find_first_of(",}", start);
  if (end == std::string::npos) fail(name, "header field '" + key + "' is not terminated");
  return header.substr(start, end - start);
}

}  // namespace

std::string npy_header(const Tensor& t) {
  std::string shape = "(";
  for (int64_t d = 0; d < t.dim(); ++d) shape += std::to_string(t.size(d)) + (t.dim() == 1 ? "," : (d + 1 < t.dim() ? ", " : ""));
  shape += ")";
  std::string header = std::string("{'descr': '") + descr_of(t.dtype()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  uint16_t len = static_cast<uint16_t>(header.size());
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  return out + header;
}

void save_npy(const Tensor& t, const std::string& path) {
  Tensor c = kernels::contiguous(t);
  std::string header = npy_header(c);
  std::ofstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("npy file '" + path + "': cannot open for writing");
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  f.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.nbytes()));
  if (!f) throw std::runtime_error("npy file '" + path + "': write failed");
}

Tensor parse_npy(const std::string& b, const std::string& name) {
  if (b.size() < 10) fail(name, "file is " + std::to_string(b.size()) + " bytes, shorter than the 10-byte preamble");
  if (std::memcmp(b.data(), "\x93NUMPY", 6) != 0) fail(name, "bad magic at byte 0 (not a .npy file)");
  int major = static_cast<unsigned char>(b[6]);
  size_t hlen, hstart;
  if (major == 1) {
    hlen = static_cast<unsigned char>(b[8]) | (static_cast<size_t>(static_cast<unsigned char>(b[9])) << 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) fail(name, "truncated preamble for version " + std::to_string(major));
    hlen = 0;
    for (int i = 0; i < 4; ++i) hlen |= static_cast<size_t>(static_cast<unsigned char>(b[8 + i])) << (8 * i);
    hstart = 12;
  } else {
    fail(name, "unsupported format version " + std::to_string(major) + " at byte 6");
  }
  if (hstart + hlen > b.size())
    fail(name, "header length " + std::to_string(hlen) + " at byte 8 runs past the end of the file (" +
                   std::to_string(b.size()) + " bytes)");
  std::string header = b.substr(hstart, hlen);
  std::string descr = field(header, "descr", name);
  std::string fortran = field(header, "fortran_order", name);
  std::string shape_s = field(header, "shape", name);
  if (fortran.find("True") != std::string::npos) fail(name, "fortran_order=True is not supported");
  if (descr.size() < 2) fail(name, "bad descr " + descr);
  std::string d = descr.substr(1, descr.size() - 2);
  ScalarType t;
  size_t src_size;
  if (d == "<f4") { t = kFloat32; src_size = 4; }
  else if (d == "<f8") { t = kFloat64; src_size = 8; }
  else if (d == "<i8") { t = kInt64; src_size = 8; }
  else if (d == "|b1") { t = kBool; src_size = 1; }
  else if (d == "<i4") { t = kInt64; src_size = 4; }
  else if (d == "|u1") { t = kInt64; src_size = 1; }
  else fail(name, "unsupported dtype '" + d + "' (supported: <f4 <f8 <i8 <i4 |u1 |b1)");
  Dims shape;
  if (shape_s.size() < 2 || shape_s.front() != '(' || shape_s.back() != ')') fail(name, "bad shape " + shape_s);
  std::stringstream ss(shape_s.substr(1, shape_s.size() - 2));
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t a = item.find_first_not_of(' ');
    if (a == std::string::npos) continue;
    char* end = nullptr;
    long long v = std::strtoll(item.c_str() + a, &end, 10);
    if (end == item.c_str() + a || v < 0) fail(name, "bad dimension '" + item + "' in shape " + shape_s);
    if (shape.size() >= static_cast<size_t>(kMaxDims)) fail(name, "shape " + shape_s + " has more dimensions than allgrad supports");
    shape.push_back(v);
  }
  size_t data_start = hstart + hlen;
  size_t avail = b.size() - data_start;
  int64_t numel = 0;
  try {
    numel = checked_numel(shape, "shape " + shape_s);
  } catch (const std::invalid_argument& e) {
    fail(name, e.what());
  }
  unsigned __int128 need = static_cast<unsigned __int128>(src_size) * static_cast<uint64_t>(numel);
  if (need != avail)
    fail(name, "shape " + shape_s + " of " + d + " needs " + std::to_string(static_cast<uint64_t>(need > ~0ULL ? ~0ULL : need)) +
                   " data bytes but " + std::to_string(avail) + " follow the header at byte " + std::to_string(data_start));
  Tensor out = detail::make_empty(shape, t);
  const char* src = b.data() + data_start;
  int64_t n = out.numel();
  if (d == "<i4") {
    for (int64_t i = 0; i < n; ++i) { int32_t v; std::memcpy(&v, src + 4 * i, 4); out.data_ptr<int64_t>()[i] = v; }
  } else if (d == "|u1") {
    for (int64_t i = 0; i < n; ++i) out.data_ptr<int64_t>()[i] = static_cast<unsigned char>(src[i]);
  } else if (d == "|b1") {
    for (int64_t i = 0; i < n; ++i) out.data_ptr<bool>()[i] = src[i] != 0;
  } else if (n > 0) {
    std::memcpy(out.data_ptr(), src, out.nbytes());
  }
  return out;
}

Tensor load_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("npy file '" + path + "': cannot open for reading");
  std::ostringstream os;
  os << f.rdbuf();
  return parse_npy(os.str(), path);
}

}  // namespace ag
