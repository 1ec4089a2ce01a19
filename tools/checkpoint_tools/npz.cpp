// NumPy .npz: a zip archive of stored (uncompressed) .npy members, with ZIP64
// records so members and archives of any size work.
#include <zlib.h>

#include <cstring>
#include <stdexcept>
#include <unordered_set>
#include <vector>

#include "ag/npy.h"
#include "checkpoint_tools.h"
#include "file_io.h"

namespace ag::tools {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr uint16_t kZip64Version = 45;  // "version needed" for ZIP64
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kUtf8Flag = 0x0800;
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01: a fixed date keeps exports reproducible
constexpr uint32_t kUnixRegularFile0644 = 0100644u << 16;

// Little-endian record builder.
struct Bytes {
  std::string s;
  Bytes& u16(uint16_t v) { return raw(v, 2); }
  Bytes& u32(uint32_t v) { return raw(v, 4); }
  Bytes& u64(uint64_t v) { return raw(v, 8); }
  Bytes& str(const std::string& v) { s += v; return *this; }
  Bytes& raw(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s += static_cast<char>(v >> (8 * i));
    return *this;
  }
};

uint32_t crc32_of(uint32_t crc, const void* p, size_t n) {
  return static_cast<uint32_t>(::crc32_z(crc, static_cast<const Bytef*>(p), n));
}

bool is_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

struct Member {
  std::string name;
  uint32_t crc;
  uint64_t size, offset;
  uint16_t flags;
};

// Bounds-checked little-endian reads from the archive bytes.
class Reader {
 public:
  Reader(const std::string& b, const std::string& path) : b_(b), path_(path) {}
  [[noreturn]] void fail(const std::string& msg) const { throw std::runtime_error("npz file '" + path_ + "': " + msg); }
  void need(uint64_t at, uint64_t n, const char* what) const {
    if (at > b_.size() || n > b_.size() - at)
      fail(std::string(what) + " at byte " + std::to_string(at) + " runs past the end of the file (" +
           std::to_string(b_.size()) + " bytes)");
  }
  uint64_t le(uint64_t at, int n) const {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(b_[at + i])) << (8 * i);
    return v;
  }
  uint16_t u16(uint64_t at) const { return static_cast<uint16_t>(le(at, 2)); }
  uint32_t u32(uint64_t at) const { return static_cast<uint32_t>(le(at, 4)); }
  uint64_t u64(uint64_t at) const { return le(at, 8); }

 private:
  const std::string& b_;
  const std::string& path_;
};

}  // namespace

void save_npz(const TensorMap& tensors, const std::string& path) {
  OutputFile f(path, "npz file");
  std::vector<Member> members;
  for (const auto& [name, t] : tensors) {
    if (name.size() + 4 > 0xFFFF) throw std::invalid_argument("npz file '" + path + "': tensor name longer than 65531 bytes");
    Tensor c = t.detach().contiguous();
    std::string header = npy_header(c);
    Member m{name + ".npy", 0, header.size() + c.nbytes(), f.position(), 0};
    m.crc = crc32_of(crc32_of(0, header.data(), header.size()), c.data_ptr(), c.nbytes());
    m.flags = is_ascii(m.name) ? 0 : kUtf8Flag;
    Bytes local;
    local.u32(kLocalSig).u16(kZip64Version).u16(m.flags).u16(0).u16(0).u16(kDosDate1980).u32(m.crc);
    local.u32(0xFFFFFFFF).u32(0xFFFFFFFF).u16(static_cast<uint16_t>(m.name.size())).u16(20).str(m.name);
    local.u16(kZip64ExtraId).u16(16).u64(m.size).u64(m.size);
    f.write(local.s.data(), local.s.size());
    f.write(header.data(), header.size());
    if (c.nbytes() > 0) f.write(c.data_ptr(), c.nbytes());
    members.push_back(std::move(m));
  }
  uint64_t cd_start = f.position();
  for (const Member& m : members) {
    Bytes cd;
    cd.u32(kCentralSig).u16((3 << 8) | kZip64Version).u16(kZip64Version).u16(m.flags).u16(0).u16(0).u16(kDosDate1980);
    cd.u32(m.crc).u32(0xFFFFFFFF).u32(0xFFFFFFFF).u16(static_cast<uint16_t>(m.name.size())).u16(28).u16(0).u16(0).u16(0);
    cd.u32(kUnixRegularFile0644).u32(0xFFFFFFFF).str(m.name);
    cd.u16(kZip64ExtraId).u16(24).u64(m.size).u64(m.size).u64(m.offset);
    f.write(cd.s.data(), cd.s.size());
  }
  uint64_t cd_size = f.position() - cd_start, zip64_end_at = f.position(), n = members.size();
  Bytes end;
  end.u32(kZip64EndSig).u64(44).u16((3 << 8) | kZip64Version).u16(kZip64Version).u32(0).u32(0);
  end.u64(n).u64(n).u64(cd_size).u64(cd_start);
  end.u32(kZip64LocatorSig).u32(0).u64(zip64_end_at).u32(1);
  auto cap16 = [](uint64_t v) { return static_cast<uint16_t>(v < 0xFFFF ? v : 0xFFFF); };
  auto cap32 = [](uint64_t v) { return static_cast<uint32_t>(v < 0xFFFFFFFF ? v : 0xFFFFFFFF); };
  end.u32(kEndSig).u16(0).u16(0).u16(cap16(n)).u16(cap16(n)).u32(cap32(cd_size)).u32(cap32(cd_start)).u16(0);
  f.write(end.s.data(), end.s.size());
  f.commit();
}

TensorMap load_npz(const std::string& path) { return parse_npz(read_file(path, "npz file"), path); }

TensorMap parse_npz(const std::string& b, const std::string& path) {
  Reader r(b, path);
  // The end record is the last 22 bytes, unless a comment (up to 64 KiB) follows it.
  if (b.size() < 22) r.fail("file is " + std::to_string(b.size()) + " bytes, too short for a zip archive");
  uint64_t eocd = b.size() - 22;
  uint64_t lowest = b.size() >= 22 + 0xFFFF ? b.size() - 22 - 0xFFFF : 0;
  while (r.u32(eocd) != kEndSig) {
    if (eocd == lowest) r.fail("no zip end-of-central-directory record (not a zip archive, or truncated)");
    --eocd;
  }
  uint64_t entries = r.u16(eocd + 10), cd_size = r.u32(eocd + 12), cd_start = r.u32(eocd + 16);
  if (eocd >= 20 && r.u32(eocd - 20) == kZip64LocatorSig) {
    uint64_t z = r.u64(eocd - 20 + 8);
    r.need(z, 56, "ZIP64 end record");
    if (r.u32(z) != kZip64EndSig) r.fail("ZIP64 locator at byte " + std::to_string(eocd - 20) + " points to no ZIP64 end record");
    entries = r.u64(z + 32);
    cd_size = r.u64(z + 40);
    cd_start = r.u64(z + 48);
  }
  r.need(cd_start, cd_size, "central directory");
  if (entries > cd_size / 46) r.fail(std::to_string(entries) + " entries cannot fit a " + std::to_string(cd_size) + "-byte central directory");

  TensorMap out;
  uint64_t p = cd_start;
  for (uint64_t i = 0; i < entries; ++i) {
    r.need(p, 46, "central directory entry");
    if (r.u32(p) != kCentralSig) r.fail("bad central directory signature at byte " + std::to_string(p));
    uint16_t flags = r.u16(p + 8), method = r.u16(p + 10);
    uint32_t crc = r.u32(p + 16);
    uint64_t csize = r.u32(p + 20), usize = r.u32(p + 24), offset = r.u32(p + 42);
    uint16_t name_len = r.u16(p + 28), extra_len = r.u16(p + 30), comment_len = r.u16(p + 32);
    r.need(p + 46, uint64_t{name_len} + extra_len + comment_len, "central directory entry");
    std::string name = b.substr(p + 46, name_len);
    // ZIP64 extra: the 0xFFFFFFFF fields, in the order usize, csize, offset.
    for (uint64_t e = p + 46 + name_len, e_end = e + extra_len; e + 4 <= e_end;) {
      uint16_t id = r.u16(e), len = r.u16(e + 2);
      if (e + 4 + len > e_end) r.fail("member '" + name + "': extra field runs past its entry");
      if (id == kZip64ExtraId) {
        uint64_t q = e + 4, q_end = q + len;
        auto take = [&](uint64_t& field) {
          if (field != 0xFFFFFFFF) return;
          if (q + 8 > q_end) r.fail("member '" + name + "': ZIP64 extra field is too short");
          field = r.u64(q);
          q += 8;
        };
        take(usize);
        take(csize);
        take(offset);
      }
      e += 4 + uint64_t{len};
    }
    p += 46 + uint64_t{name_len} + extra_len + comment_len;
    if (flags & 1) r.fail("member '" + name + "' is encrypted");
    if (method != 0)
      r.fail("member '" + name + "' is compressed (method " + std::to_string(method) +
             "); only stored members are read (numpy.savez, not savez_compressed)");
    if (csize != usize) r.fail("member '" + name + "': stored size " + std::to_string(csize) + " != size " + std::to_string(usize));
    r.need(offset, 30, "local header");
    if (r.u32(offset) != kLocalSig) r.fail("member '" + name + "': bad local header signature at byte " + std::to_string(offset));
    uint64_t data = offset + 30 + r.u16(offset + 26) + r.u16(offset + 28);
    r.need(data, usize, ("member '" + name + "' data").c_str());
    if (crc32_of(0, b.data() + data, usize) != crc) r.fail("member '" + name + "': CRC-32 mismatch (corrupt archive)");
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".npy") != 0) r.fail("member '" + name + "' is not a .npy file");
    std::string key = name.substr(0, name.size() - 4);
    if (out.count(key)) r.fail("member '" + name + "' appears twice");
    out.emplace(key, parse_npy(b.substr(data, usize), path + ":" + name));
  }
  return out;
}

}  // namespace ag::tools
