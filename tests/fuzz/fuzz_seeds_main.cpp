// ag_fuzz_seeds <target> <dir>: writes the seed corpus of a fuzz target.
#include <fstream>
#include <iostream>

#include "seeds.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: ag_fuzz_seeds <checkpoint|safetensors|npz|npy|idx|csv> <corpus dir>\n";
    return 2;
  }
  std::vector<std::string> seeds = ag::fuzz::seeds_for(argv[1]);
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream f(std::string(argv[2]) + "/seed-" + std::to_string(i), std::ios::binary);
    f.write(seeds[i].data(), static_cast<std::streamsize>(seeds[i].size()));
    if (!f) {
      std::cerr << "ag_fuzz_seeds: cannot write to " << argv[2] << "\n";
      return 1;
    }
  }
  std::cout << "wrote " << seeds.size() << " seeds for " << argv[1] << " to " << argv[2] << "\n";
  return 0;
}
