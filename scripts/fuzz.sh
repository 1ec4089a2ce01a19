#!/usr/bin/env bash
# Fuzzes readers with libFuzzer under AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/fuzz.sh [--seconds N] [--jobs J] [target...]
#     target   checkpoint (default), safetensors, npz, npy, idx, csv
#              (tests/fuzz/fuzz_<target>.cpp), or all
#     N        how long to fuzz each target (default 60)
#     J        targets fuzzed at the same time (default 1; CI uses 2, one per core)
#   The older form `scripts/fuzz.sh target seconds` still works.
# Builds build-fuzz/ with clang, outside the main g++ build; seeds the corpus
# build-fuzz/corpus/<target>/ with valid files (it grows across runs); fails
# when libFuzzer reports a crash, leak, timeout or sanitizer error in any
# target, leaving the input in build-fuzz/findings/<target>/ and the log in
# build-fuzz/logs/<target>.log. Replay one with:
#   build-fuzz/tests/fuzz/fuzz_<target> build-fuzz/findings/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

# The targets: the fuzz_*.cpp files that define the libFuzzer entry point.
available=$(grep -l '^extern "C" int LLVMFuzzerTestOneInput' tests/fuzz/fuzz_*.cpp | sed 's|.*/fuzz_||; s|\.cpp||' | tr '\n' ' ')
targets=()
seconds=60
jobs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    all) read -ra all <<<"$available"; targets+=("${all[@]}"); shift ;;
    [0-9]*) seconds=$1; shift ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=(checkpoint)
for t in "${targets[@]}"; do
  if [ ! -f "tests/fuzz/fuzz_${t}.cpp" ]; then
    echo "fuzz.sh: no fuzz target '${t}' (have: ${available})" >&2
    exit 2
  fi
done
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
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}" ag_fuzz_seeds

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export AG_NUM_THREADS=1
mkdir -p "$build/logs"

# fuzz_one TARGET: seeds the corpus, then fuzzes; the log goes to build-fuzz/logs/.
fuzz_one() {
  local target=$1 corpus="$build/corpus/$1" findings="$build/findings/$1"
  mkdir -p "$corpus" "$findings"
  "$build/tests/fuzz/ag_fuzz_seeds" "$target" "$corpus"
  # Inputs are at most 1 MiB; no reader may allocate anywhere near 64 MiB for one.
  "$build/tests/fuzz/fuzz_${target}" "$corpus" -max_total_time="$seconds" -max_len=1048576 \
    -malloc_limit_mb=64 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$findings/" -print_final_stats=1
}

declare -A pid_of=()
failed=()
# reap: waits for one running target and records whether it failed.
reap() {
  local done_pid rc=0 t
  wait -n -p done_pid || rc=$?
  for t in "${!pid_of[@]}"; do
    if [ "${pid_of[$t]}" = "$done_pid" ]; then
      unset "pid_of[$t]"
      if [ "$rc" -ne 0 ]; then
        failed+=("$t")
        echo "fuzz.sh: ${t}: FINDING (exit ${rc}); the end of ${build}/logs/${t}.log:" >&2
        tail -n 40 "$build/logs/${t}.log" >&2
      else
        echo "fuzz.sh: ${t}: ${seconds} s without a finding ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$build/logs/${t}.log" | grep -o '[0-9]*$') runs)"
      fi
    fi
  done
}
for t in "${targets[@]}"; do
  while [ ${#pid_of[@]} -ge "$jobs" ]; do reap; done
  fuzz_one "$t" >"$build/logs/${t}.log" 2>&1 &
  pid_of[$t]=$!
done
while [ ${#pid_of[@]} -gt 0 ]; do reap; done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz.sh: findings in: ${failed[*]}" >&2
  exit 1
fi
