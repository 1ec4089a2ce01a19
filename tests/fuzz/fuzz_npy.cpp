// Fuzz target: the core .npy parser.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "ag/npy.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  ag::fuzz::expect_clean<std::runtime_error>([&] { ag::fuzz::touch(ag::parse_npy(bytes, ag::fuzz::kInputName)); });
  return 0;
}
