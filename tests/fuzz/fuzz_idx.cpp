// Fuzz target: the IDX reader (MNIST's format, raw or gzip-compressed) and its
// conversion to a tensor.
#include <cstdint>
#include <stdexcept>

#include "ag/data/idx.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = ag::fuzz::input_file(data, size);
  ag::fuzz::expect_clean<std::runtime_error>([&] { ag::fuzz::touch(ag::data::load_idx(path)); });
  return 0;
}
