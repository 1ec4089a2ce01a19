// Shared by the fuzz targets: run a reader on hostile bytes and accept only
// its documented, clean failure. Anything else (another exception type, a
// message that does not name the input) aborts, so libFuzzer records it.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>

#include "ag/tensor.h"

namespace ag::fuzz {

/// The name every target gives its input; error messages must contain it.
inline constexpr const char* kInputName = "fuzz-input";

/// Calls `read`; returns normally when it succeeds or throws `CleanError`
/// naming kInputName, aborts otherwise.
template <class CleanError, class Fn> void expect_clean(Fn&& read) {
  try {
    read();
  } catch (const CleanError& e) {
    if (!std::strstr(e.what(), kInputName)) {
      std::fprintf(stderr, "error message does not name the input: %s\n", e.what());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception type: %s\n", e.what());
    std::abort();
  }
}

/// Writes the input to a file named kInputName in a private temporary folder and returns
/// its path, for readers that take a path (they stream the file, gzip included). The
/// folder is made once per process and removed at exit.
inline const std::string& input_file(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    char dir[] = "/tmp/ag-fuzz-XXXXXX";
    if (!mkdtemp(dir)) {
      std::perror("mkdtemp");
      std::abort();
    }
    static const std::string folder = dir;
    std::atexit([] { std::filesystem::remove_all(folder); });
    return folder + "/" + kInputName;
  }();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

/// Reads every byte of a tensor, so AddressSanitizer checks its memory.
inline uint64_t touch(const Tensor& t) {
  Tensor c = t.contiguous();
  const unsigned char* p = static_cast<const unsigned char*>(c.data_ptr());
  uint64_t sum = 0;
  for (size_t i = 0; i < c.nbytes(); ++i) sum += p[i];
  return sum;
}

}  // namespace ag::fuzz
