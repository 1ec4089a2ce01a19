// Helpers for the checkpoint tests: a scratch directory, sample checkpoints,
// raw file access, and re-sealing a payload edited by a test (fresh CRC).
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "ag/checkpoint.h"
#include "checkpoint/checkpoint_io.h"
#include "checkpoint/crc32c.h"
#include "checkpoint/format.h"

namespace ag::testing {

/// A fresh directory under TMPDIR (or /tmp), removed with its contents after the test.
class ScratchDir {
 public:
  /// Under `base`, or $TMPDIR (else /tmp) when `base` is empty.
  explicit ScratchDir(std::string base = "") {
    if (base.empty()) {
      const char* env = std::getenv("TMPDIR");
      base = env && *env ? env : "/tmp";
    }
    std::string tmpl = base + "/ag-ckpt-test-XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// Recomputes the payload CRC and the header CRC after a test edited the
/// payload, so the file reaches the parser (the hostile-file case).
inline void reseal(std::string& file) {
  using namespace ag::checkpoint;
  auto* b = reinterpret_cast<unsigned char*>(file.data());
  uint32_t crc = crc32c(b + kHeaderBytes, file.size() - kHeaderBytes);
  for (int i = 0; i < 4; ++i) b[32 + i] = static_cast<unsigned char>(crc >> (8 * i));
  uint32_t hcrc = crc32c(b, 60);
  for (int i = 0; i < 4; ++i) b[60 + i] = static_cast<unsigned char>(hcrc >> (8 * i));
}

/// A small checkpoint holding every kind of value.
inline Checkpoint sample_checkpoint(int64_t step = 7) {
  Checkpoint c;
  c.meta.allgrad_version = "0.0.test";
  c.meta.created_unix_ms = 1700000000123;
  c.meta.world_size = 4;
  c.meta.model_spec = "mlp:4,3,2";
  c.meta.epoch = 2;
  c.meta.global_step = step;
  c.meta.user["git"] = "abc123";
  c.meta.user["cmd"] = "allgrad train --lr 0.1";
  c.meta.metrics["loss"] = 0.25;
  c.meta.metrics["accuracy"] = 0.875;
  StateDict& model = c.sections["model"];
  model.set_tensor("fc1.weight", arange(12, dtype(kFloat32)).reshape({3, 4}) * 0.5);
  model.set_tensor("fc1.bias", tensor({1.0, -2.0, 3.0}, dtype(kFloat32)));
  model.set_tensor("fc2.weight", arange(6, dtype(kFloat64)).reshape({2, 3}));
  StateDict& optim = c.sections["optimizer"];
  optim.set_string("type", "adam");
  optim.set_double("lr", 1e-3);
  optim.set_int("step", step);
  optim.set_tensor("state.fc1.weight.exp_avg", full({3, 4}, 0.125));
  StateDict& rng = c.sections["rng"];
  rng.set_tensor("generator", arange(10, dtype(kInt64)));
  rng.set_tensor("mask", tensor({true, false, true}));
  return c;
}

/// True when both tensors have the same dtype, shape and bytes.
inline bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  Tensor ca = a.contiguous(), cb = b.contiguous();
  return ca.nbytes() == 0 || std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0;
}

/// Asserts that `fn` throws a CheckpointError whose message names `path`.
template <class Fn> std::string expect_checkpoint_error(Fn&& fn, const std::string& path) {
  try {
    fn();
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    return e.reason();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected CheckpointError, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected CheckpointError, nothing was thrown";
  return "";
}

}  // namespace ag::testing
