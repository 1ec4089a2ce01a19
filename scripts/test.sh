#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
#   scripts/test.sh             Release build in build/, then 60 s of fuzzing each reader
#   scripts/test.sh --sanitize  AddressSanitizer + UndefinedBehaviorSanitizer build in build-sanitize/
#   scripts/test.sh --tsan      ThreadSanitizer build in build-tsan/ of the threaded parts only
#                               (scripts/tsan.sh)
#   scripts/test.sh --fast      (with --sanitize or alone) leaves out the tests labelled slow
#                               (CI: the sanitizer stage; the Release stage runs everything)
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=OFF
build=build
ctest_filter=()
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=ON; build=build-sanitize ;;
    --fast) ctest_filter=(-LE slow) ;;
    --tsan) scripts/setup.sh; exec scripts/tsan.sh ;;
    *) echo "usage: scripts/test.sh [--sanitize | --tsan] [--fast]" >&2; exit 2 ;;
  esac
done

scripts/setup.sh

# Open MPI refuses root without these; the tests launch mpiexec themselves.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if [ "$sanitize" = ON ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

# The micro-benchmarks are built with the Release tests unless AG_BUILD_BENCH=OFF
# (CI's time budget; scripts/bench/ builds what it runs).
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DAG_SANITIZE="$sanitize" \
  -DAG_BUILD_BENCH="${AG_BUILD_BENCH:-$([ "$sanitize" = ON ] && echo OFF || echo ON)}" >/dev/null
cmake --build "$build" -j2
# Every reader under libFuzzer for 60 s, two at a time (AG_FUZZ_SECONDS=0 skips it),
# before ctest so that ctest's summary stays the last thing printed.
if [ "$sanitize" = OFF ] && [ "${AG_FUZZ_SECONDS:-60}" -gt 0 ]; then
  scripts/fuzz.sh --seconds "${AG_FUZZ_SECONDS:-60}" --jobs 2 all
fi
cd "$build"
ctest --output-on-failure -j2 --timeout 600 "${ctest_filter[@]}"
