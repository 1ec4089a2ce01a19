// The safetensors format: u64 LE header length, JSON header, raw data.
#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include "checkpoint_tools.h"
#include "file_io.h"
#include "json.h"

namespace ag::tools {

namespace {

// The safetensors reference implementation refuses headers above 100 MB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct DtypeName {
  ScalarType type;
  const char* name;
};
constexpr DtypeName kDtypes[] = {{kFloat32, "F32"}, {kFloat64, "F64"}, {kInt64, "I64"}, {kBool, "BOOL"}};

const char* safetensors_dtype(ScalarType t) {
  for (const DtypeName& d : kDtypes)
    if (d.type == t) return d.name;
  throw std::logic_error("safetensors: unknown dtype");
}

std::string shape_json(const Dims& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

// A tensor's place in the data buffer, for the overlap and hole checks.
struct Range {
  uint64_t begin, end;
  const std::string* name;
};

}  // namespace

void save_safetensors(const TensorMap& tensors, const std::string& path) {
  std::vector<Tensor> data;
  data.reserve(tensors.size());
  std::string header = "{\"__metadata__\":{\"format\":\"pt\"}";
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw std::invalid_argument("safetensors file '" + path + "': '__metadata__' is a reserved name");
    Tensor c = t.detach().contiguous();
    header += ',';
    header += json::quote(name) + ":{\"dtype\":\"" + safetensors_dtype(c.dtype()) + "\",\"shape\":" +
              shape_json(c.sizes()) + ",\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + c.nbytes()) + "]}";
    offset += c.nbytes();
    data.push_back(std::move(c));
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');  // data starts 8-byte aligned, as the reference writer does
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(static_cast<uint64_t>(header.size()) >> (8 * i));
  OutputFile f(path, "safetensors file");
  f.write(len, 8);
  f.write(header.data(), header.size());
  for (const Tensor& c : data)
    if (c.nbytes() > 0) f.write(c.data_ptr(), c.nbytes());
  f.commit();
}

TensorMap load_safetensors(const std::string& path) { return parse_safetensors(read_file(path, "safetensors file"), path); }

TensorMap parse_safetensors(const std::string& bytes, const std::string& path) {
  auto fail = [&](const std::string& msg) -> void { throw std::runtime_error("safetensors file '" + path + "': " + msg); };
  if (bytes.size() < 8) fail("file is " + std::to_string(bytes.size()) + " bytes, shorter than the 8-byte header length");
  uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (header_len > bytes.size() - 8)
    fail("header length " + std::to_string(header_len) + " at byte 0 runs past the end of the file (" +
         std::to_string(bytes.size()) + " bytes)");
  if (header_len > kMaxHeaderBytes) fail("header length " + std::to_string(header_len) + " exceeds the 100 MB limit");
  json::Value root = json::parse(bytes.substr(8, header_len), "safetensors file '" + path + "' header");
  if (root.kind != json::Value::Kind::Object) fail("header is not a JSON object");
  const uint64_t data_start = 8 + header_len, data_len = bytes.size() - data_start;

  struct Parsed {
    const std::string* name;
    ScalarType dtype;
    Dims shape;
    uint64_t begin;
  };
  std::vector<Parsed> parsed;
  std::vector<Range> ranges;
  for (const auto& [name, v] : root.object) {
    if (name == "__metadata__") {
      if (v.kind != json::Value::Kind::Object) fail("__metadata__ is not an object");
      for (const auto& [k, mv] : v.object)
        if (mv.kind != json::Value::Kind::String) fail("__metadata__ value '" + k + "' is not a string");
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (v.kind != json::Value::Kind::Object) fail(where + ": entry is not an object");
    const json::Value* dt = v.find("dtype");
    const json::Value* sh = v.find("shape");
    const json::Value* off = v.find("data_offsets");
    if (!dt || dt->kind != json::Value::Kind::String) fail(where + ": missing or non-string \"dtype\"");
    if (!sh || sh->kind != json::Value::Kind::Array) fail(where + ": missing or non-array \"shape\"");
    if (!off || off->kind != json::Value::Kind::Array || off->array.size() != 2)
      fail(where + ": \"data_offsets\" must be an array of two integers");
    const DtypeName* d = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                      [&](const DtypeName& x) { return dt->string == x.name; });
    if (d == std::end(kDtypes))
      fail(where + ": dtype '" + dt->string + "' is not one allgrad holds (F32, F64, I64, BOOL)");
    if (sh->array.size() > static_cast<size_t>(kMaxDims))
      fail(where + ": " + std::to_string(sh->array.size()) + " dimensions, more than allgrad's " + std::to_string(kMaxDims));
    Dims shape;
    for (const json::Value& s : sh->array) {
      if (!s.is_int || s.integer < 0) fail(where + ": shape entries must be non-negative integers");
      shape.push_back(s.integer);
    }
    int64_t numel = 0;
    try {
      numel = checked_numel(shape, where);
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
    unsigned __int128 need = static_cast<unsigned __int128>(element_size(d->type)) * static_cast<uint64_t>(numel);
    for (const json::Value& o : off->array)
      if (!o.is_int || o.integer < 0) fail(where + ": data_offsets must be non-negative integers");
    uint64_t begin = static_cast<uint64_t>(off->array[0].integer), end = static_cast<uint64_t>(off->array[1].integer);
    if (begin > end || end > data_len)
      fail(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] do not fit the " +
           std::to_string(data_len) + " data bytes");
    if (need != end - begin)
      fail(where + ": shape " + to_string(shape) + " of " + d->name + " does not match data_offsets [" +
           std::to_string(begin) + ", " + std::to_string(end) + "] (" + std::to_string(end - begin) + " bytes)");
    parsed.push_back({&name, d->type, shape, begin});
    ranges.push_back({begin, end, &name});
  }
  // Like the reference reader: the tensors must tile the data exactly.
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t covered = 0;
  const std::string* prev = nullptr;
  for (const Range& r : ranges) {
    if (r.begin < covered)
      fail("tensors '" + *prev + "' and '" + *r.name + "' overlap (byte " + std::to_string(r.begin) + " of the data)");
    if (r.begin > covered)
      fail("data bytes [" + std::to_string(covered) + ", " + std::to_string(r.begin) + ") belong to no tensor");
    covered = r.end;
    prev = r.name;
  }
  if (covered != data_len)
    fail("data bytes [" + std::to_string(covered) + ", " + std::to_string(data_len) + ") belong to no tensor");

  TensorMap out;
  for (const Parsed& p : parsed) {
    Tensor t = empty(p.shape, p.dtype);
    const char* src = bytes.data() + data_start + p.begin;
    if (p.dtype == kBool)
      for (size_t i = 0; i < t.nbytes(); ++i)
        if (static_cast<unsigned char>(src[i]) > 1)
          fail("tensor '" + *p.name + "': bool value " + std::to_string(static_cast<unsigned char>(src[i])) +
               " at byte " + std::to_string(data_start + p.begin + i));
    if (t.nbytes() > 0) std::memcpy(t.data_ptr(), src, t.nbytes());
    out.emplace(*p.name, std::move(t));
  }
  return out;
}

}  // namespace ag::tools
