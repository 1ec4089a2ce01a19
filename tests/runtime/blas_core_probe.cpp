// After ensure_best_blas_kernels, either the user's OPENBLAS_CORETYPE is in
// force untouched, or the running core is at least as wide as the best one
// the CPU supports (re-executing if OpenBLAS chose worse by itself).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ag/runtime.h"

int main(int argc, char** argv) {
  ag::ensure_best_blas_kernels(argc, argv);
  std::string want = ag::preferred_blas_core(), have = ag::active_blas_core();
  std::printf("preferred %s, running %s: %s\n", want.c_str(), have.c_str(), ag::blas_report().c_str());
  auto rank = [](const std::string& c) {
    for (const char* k : {"SkylakeX", "Cooperlake", "SapphireRapids"}) if (c == k) return 4;
    for (const char* k : {"Haswell", "Zen"}) if (c == k) return 3;
    if (c == "Sandybridge") return 2;
    return 1;
  };
  if (!ag::blas_self_test()) { std::printf("self-test failed\n"); return 1; }
  if (const char* user = std::getenv("OPENBLAS_CORETYPE"); user && !std::getenv("AG_BLAS_CHOSEN"))
    return have == user && ag::blas_report().find("set by OPENBLAS_CORETYPE") != std::string::npos ? 0 : 1;
  return rank(have) >= rank(want) ? 0 : 1;
}
