// A main() for fuzz targets built without libFuzzer: runs the target on each
// file named on the command line, or, with no arguments, on its seeds and on
// deterministic mutations of them (truncations, bit flips, byte overwrites).
// That makes every target a quick ctest under g++ and the sanitizers.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "seeds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void run(const std::string& input) { LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size()); }

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {
    for (int i = 1; i < argc; ++i) {
      std::ifstream f(argv[i], std::ios::binary);
      std::ostringstream os;
      os << f.rdbuf();
      run(os.str());
    }
    std::cout << "replayed " << argc - 1 << " inputs\n";
    return 0;
  }
  std::mt19937 rng(1234);
  size_t runs = 0;
  for (const std::string& seed : ag::fuzz::seeds_for(AG_FUZZ_TARGET)) {
    run(seed), ++runs;
    for (size_t cut = 0; cut < seed.size(); cut += 1 + seed.size() / 64) run(seed.substr(0, cut)), ++runs;
    for (int i = 0; i < 200 && !seed.empty(); ++i) {
      std::string m = seed;
      size_t at = rng() % m.size();
      if (i % 2) m[at] = static_cast<char>(m[at] ^ (1 << (rng() % 8)));
      else for (size_t k = at; k < m.size() && k < at + 4; ++k) m[k] = static_cast<char>(i % 4 == 0 ? 0xFF : rng());
      run(m), ++runs;
    }
  }
  std::cout << "fuzz target " << AG_FUZZ_TARGET << ": " << runs << " seeds and mutations ran cleanly\n";
  return 0;
}
