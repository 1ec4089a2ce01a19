// Seed inputs: small checkpoints, safetensors, npz and npy files holding every
// dtype, empty and 0-d tensors, scalars and metadata.
#include "seeds.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <zlib.h>

#include "ag/checkpoint.h"
#include "ag/npy.h"
#include "checkpoint/format.h"
#include "checkpoint_tools.h"

namespace ag::fuzz {

namespace {

std::vector<Checkpoint> sample_checkpoints() {
  std::vector<Checkpoint> out(3);
  out[0].meta.created_unix_ms = 1;
  out[0].sections["model"].set_tensor("w", tensor({{1.0, 2.0}, {3.0, 4.0}}, dtype(kFloat32)));
  Checkpoint& c = out[1];
  c.meta = {"0.1.0", 2, 2, "mlp:2,2", 1, 10, {{"k", "v"}}, {{"loss", 0.5}}};
  c.sections["model"].set_tensor("b", tensor({1.0, NAN}, dtype(kFloat64)));
  c.sections["model"].set_tensor("e", zeros({0, 3}));
  c.sections["model"].set_tensor("s", scalar_tensor(1, dtype(kInt64)));
  c.sections["optimizer"].set_int("step", 10);
  c.sections["optimizer"].set_double("lr", 0.1);
  c.sections["optimizer"].set_string("type", "adam");
  c.sections["rng"].set_tensor("mask", tensor({true, false}));
  out[2].meta.created_unix_ms = 3;
  out[2].sections["empty"];
  return out;
}

// Runs `write` on a scratch file and returns the file's bytes.
template <class Fn> std::string via_file(Fn&& write) {
  char path[] = "/tmp/ag-fuzz-seed-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  write(std::string(path));
  std::ifstream f(path, std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  std::remove(path);
  return os.str();
}

tools::TensorMap sample_tensors() {
  return {{"f32", tensor({{1.0, -2.0}}, dtype(kFloat32))},
          {"f64", tensor({0.5, INFINITY}, dtype(kFloat64))},
          {"i64", arange(3)},
          {"b", tensor({true, false, true})},
          {"empty", zeros({2, 0})},
          {"scalar", scalar_tensor(7, dtype(kFloat32))}};
}

// An IDX file: magic (two zeros, type code, dimension count), big-endian sizes, then
// `elem` bytes per element (zeros but for a few ramps, so mutations see structure).
std::string idx_file(uint8_t type, const std::vector<uint32_t>& shape, size_t elem) {
  std::string out{'\0', '\0', static_cast<char>(type), static_cast<char>(shape.size())};
  size_t n = 1;
  for (uint32_t d : shape) {
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>(d >> s & 0xFF);
    n *= d;
  }
  for (size_t i = 0; i < n * elem; ++i) out += static_cast<char>(i % 7 == 0 ? i % 251 : 0);
  return out;
}

std::string gzip(const std::string& bytes) {
  return via_file([&](const std::string& p) {
    gzFile f = gzopen(p.c_str(), "wb");
    if (!f || gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) != static_cast<int>(bytes.size()) || gzclose(f) != Z_OK)
      throw std::runtime_error("cannot write gzip seed " + p);
  });
}

}  // namespace

std::vector<std::string> seeds_for(const std::string& target) {
  std::vector<std::string> out;
  if (target == "checkpoint") {
    for (const Checkpoint& c : sample_checkpoints()) {
      std::string file = via_file([&](const std::string& p) { save_checkpoint(c, p); });
      // The mode byte (see fuzz_checkpoint.cpp), then the file, the payload, or an archive version and the payload.
      std::string whole(1, '\0'), payload(1, '\1'), old(1, '\2');
      whole += file;
      payload += file.substr(checkpoint::kHeaderBytes);
      old += static_cast<char>(checkpoint::writer_archive_version());
      old += file.substr(checkpoint::kHeaderBytes);
      out.push_back(whole);
      out.push_back(payload);
      out.push_back(old);
    }
  } else if (target == "safetensors") {
    tools::TensorMap all = sample_tensors();
    out.push_back(via_file([&](const std::string& p) { tools::save_safetensors(all, p); }));
    out.push_back(via_file([&](const std::string& p) { tools::save_safetensors({}, p); }));
  } else if (target == "npz") {
    tools::TensorMap all = sample_tensors();
    out.push_back(via_file([&](const std::string& p) { tools::save_npz(all, p); }));
    out.push_back(via_file([&](const std::string& p) { tools::save_npz({{"one", ones({3})}}, p); }));
  } else if (target == "npy") {
    for (const auto& [name, t] : sample_tensors()) {
      Tensor c = t.contiguous();
      out.push_back(npy_header(c) + std::string(static_cast<const char*>(c.data_ptr()), c.nbytes()));
    }
  } else if (target == "idx") {
    out.push_back(idx_file(0x08, {3, 4, 5}, 1));  // images
    out.push_back(idx_file(0x08, {6}, 1));        // labels
    out.push_back(idx_file(0x09, {2, 2}, 1));
    out.push_back(idx_file(0x0B, {3}, 2));
    out.push_back(idx_file(0x0C, {2, 1, 2}, 4));
    out.push_back(idx_file(0x0D, {4}, 4));
    out.push_back(idx_file(0x0E, {1, 2}, 8));
    out.push_back(idx_file(0x08, {0, 28, 28}, 1));
    out.push_back(gzip(idx_file(0x08, {2, 3, 3}, 1)));
    // A finding: no data (a zero size) but an element count past int64 in the other sizes.
    std::string empty_but_huge{'\0', '\0', '\x08', '\x08', '\0', '\0', '\0', '\0'};
    for (int d = 1; d < 8; ++d) empty_but_huge += std::string(4, '\xff');
    out.push_back(empty_but_huge);
  } else if (target == "csv") {
    // The first byte is fuzz_csv.cpp's options byte.
    out.push_back(std::string(1, '\1') + "a,b,label\n1,2.5,0\n-3e2,+4,1\n\n\"5\", 6 ,2\r\n");
    out.push_back(std::string(1, '\2') + "x;y\n1;2\n");
    out.push_back(std::string(1, '\x83') + "1,2,3\n4,5,6\n7,8,9\n");
    out.push_back(std::string(1, '\x20') + "a,b\nnan,inf\n-inf,1e308\n");
    out.push_back(std::string(1, '\x42') + "f,g\n0.5,1.5\n");
    out.push_back(std::string(1, '\1') + gzip("a,label\n1,0\n2,1\n"));
  } else {
    throw std::invalid_argument("no fuzz target '" + target + "' (checkpoint, safetensors, npz, npy, idx, csv)");
  }
  return out;
}

}  // namespace ag::fuzz
