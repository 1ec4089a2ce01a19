#!/usr/bin/env bash
# ThreadSanitizer over the threaded parts only (scripts/test.sh --tsan, in CI):
# the kernels' thread pool (test_runtime, and test_data's parallel collation),
# the data loader's prefetch workers (test_data), the Communicator's comm
# thread and watchdog under DDP (test_dist, alone and under mpiexec -n 2), and
# the thread that unlinks replaced checkpoints (test_checkpoint's RetiredFiles).
# Builds build-tsan/ with g++ -fsanitize=thread, only these targets. Open MPI and
# OpenBLAS are not instrumented: scripts/tsan-suppressions.txt names them, and
# nothing else. Any report fails the run (halt_on_error).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-tsan
# -O1: TSan needs no more, and it compiles quicker than -O3 (the build is the bulk of this step).
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DAG_SANITIZE_THREAD=ON \
  -DAG_BUILD_BENCH=OFF -DAG_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j2 --target test_runtime test_data test_dist test_checkpoint

export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan-suppressions.txt"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Two threads per process, so the kernels' pool has a worker to race with.
export AG_NUM_THREADS=2

# The check itself must be able to fail: a deliberate race, built with the same
# flags and run with the same suppressions, has to be reported.
canary="$build/tsan-canary"
printf '%s\n' '#include <thread>' 'int shared = 0;' \
  'int main() { std::thread t([] { ++shared; }); ++shared; t.join(); return shared == 0; }' |
  g++ -x c++ - -fsanitize=thread -g -O1 -o "$canary"
if "$canary" >"$canary.log" 2>&1 || ! grep -q "data race" "$canary.log"; then
  echo "tsan.sh: ThreadSanitizer did not report a deliberate race; the checks below would prove nothing" >&2
  exit 1
fi

run() {
  local what=$1; shift
  local start=$SECONDS
  if ! "$@" --gtest_brief=1 >"$build/tsan-$what.log" 2>&1; then
    echo "tsan.sh: ${what} FAILED; the end of ${build}/tsan-${what}.log:" >&2
    tail -n 60 "$build/tsan-$what.log" >&2
    exit 1
  fi
  echo "tsan.sh: ${what}: clean ($((SECONDS - start)) s)"
}
run runtime "$build/tests/runtime/test_runtime"
run data "$build/tests/test_data"
run dist "$build/tests/dist/test_dist"
run checkpoint "$build/tests/checkpoint/test_checkpoint" --gtest_filter='RetiredFiles.*:CheckpointDir.*'
run dist-np2 mpiexec --oversubscribe --allow-run-as-root -n 2 "$build/tests/dist/test_dist"
