// Seed inputs: small checkpoints, safetensors, npz and npy files holding every
// dtype, empty and 0-d tensors, scalars and metadata.
#include "seeds.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

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
  } else {
    throw std::invalid_argument("no fuzz target '" + target + "' (checkpoint, safetensors, npz, npy)");
  }
  return out;
}

}  // namespace ag::fuzz
