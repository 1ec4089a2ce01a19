#!/usr/bin/env bash
# Fuzzes one reader with libFuzzer under AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/fuzz.sh [target] [seconds]
#     target   checkpoint (default), safetensors, npz or npy (tests/fuzz/fuzz_<target>.cpp)
#     seconds  how long to fuzz (default 60)
# Builds build-fuzz/ with clang, outside the main g++ build; seeds the corpus
# build-fuzz/corpus/<target>/ with valid files (it grows across runs); fails
# when libFuzzer reports a crash, leak, timeout or sanitizer error, leaving the
# input in build-fuzz/findings/<target>/. Replay one with:
#   build-fuzz/tests/fuzz/fuzz_<target> build-fuzz/findings/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-checkpoint}
seconds=${2:-60}
if [ ! -f "tests/fuzz/fuzz_${target}.cpp" ]; then
  echo "fuzz.sh: no fuzz target '${target}' (have: $(ls tests/fuzz/fuzz_*.cpp | sed 's|.*/fuzz_||; s|\.cpp||' | tr '\n' ' '))" >&2
  exit 2
fi
cc=$(command -v clang-14 || command -v clang || true)
cxx=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$cxx" ] || [ -z "$cc" ]; then
  echo "fuzz.sh: clang is needed (Debian: apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi

build=build-fuzz
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link -g" -DAG_SANITIZE=ON -DAG_FUZZ=ON \
  -DAG_BUILD_TESTS=ON -DAG_BUILD_BENCH=OFF -DAG_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j2 --target "fuzz_${target}" ag_fuzz_seeds

corpus="$build/corpus/$target"
findings="$build/findings/$target"
mkdir -p "$corpus" "$findings"
"$build/tests/fuzz/ag_fuzz_seeds" "$target" "$corpus"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export AG_NUM_THREADS=1
# Inputs are at most 1 MiB; no reader may allocate anywhere near 64 MiB for one.
"$build/tests/fuzz/fuzz_${target}" "$corpus" -max_total_time="$seconds" -max_len=1048576 \
  -malloc_limit_mb=64 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$findings/" -print_final_stats=1
echo "fuzz.sh: ${target}: ${seconds} s without a finding"
