// Fuzz target: the .npz reader (zip records, ZIP64, CRC-32, then .npy parsing).
#include <cstdint>
#include <stdexcept>
#include <string>

#include "checkpoint_tools.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  ag::fuzz::expect_clean<std::runtime_error>([&] {
    for (const auto& [name, t] : ag::tools::parse_npz(bytes, ag::fuzz::kInputName)) ag::fuzz::touch(t);
  });
  return 0;
}
