#!/usr/bin/env bash
# Data-parallel scaling of `allgrad train`: the Fashion-MNIST MLP 784-256-128-10,
# batch 64 per rank, 1 thread per rank, evaluation off; 1 rank and 2 ranks
# (mpirun -np 2) alternate so load from other processes hits both alike. Prints
# each run's samples/s, the medians and their ratio, then bench_ddp's 10 MB figures.
#   scripts/bench/ddp-scaling.sh [RUNS] [EPOCHS] [-- extra allgrad train flags]
# Environment: BUILD (default build), OPENBLAS_CORETYPE (default SkylakeX, the
# kernels the performance goals were measured with), SKIP_BENCH_DDP=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
epochs=${2:-2}
shift $(( $# >= 2 ? 2 : $# ))
[[ "${1:-}" == "--" ]] && shift
build=${BUILD:-build}
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
allgrad="$build/tools/allgrad"
[[ -x "$allgrad" ]] || { echo "ddp-scaling.sh: $allgrad not built (cmake --build $build --target allgrad bench_ddp)" >&2; exit 2; }
flags=(train --model mlp:784,256,128,10 --data fashion-mnist --batch-size 64 --threads 1 --epochs "$epochs"
       --optimizer adam --scheduler none --eval-every 0 --log-every 1000000 --quiet "$@")

# The summary line reads "done: N steps in T s, R samples/s ..."; R counts every rank's samples.
rate() { sed -n 's/^done: .* s, \([0-9.]*\) samples\/s.*/\1/p'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "load before: $(uptime)"
echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE, $runs runs each, $epochs epochs, flags: ${flags[*]}"
one=() two=()
for ((i = 1; i <= runs; ++i)); do
  r1=$("$allgrad" "${flags[@]}" | rate)
  r2=$(mpirun --oversubscribe -np 2 "$allgrad" "${flags[@]}" | rate)
  [[ -n "$r1" && -n "$r2" ]] || { echo "ddp-scaling.sh: a run printed no summary" >&2; exit 1; }
  one+=("$r1") two+=("$r2")
  echo "run $i: 1 rank $r1 samples/s, 2 ranks $r2 samples/s"
done
m1=$(printf '%s\n' "${one[@]}" | median)
m2=$(printf '%s\n' "${two[@]}" | median)
echo "median: 1 rank x 1 thread $m1 samples/s; 2 ranks x 1 thread $m2 samples/s; ratio $(awk -v a="$m2" -v b="$m1" 'BEGIN {printf "%.2f", a / b}')"
echo "load after: $(uptime)"

if [[ -z "${SKIP_BENCH_DDP:-}" ]]; then
  if [[ -x "$build/libdist/bench_ddp" ]]; then
    mpirun --oversubscribe -np 2 "$build/libdist/bench_ddp" 10
  else
    echo "(bench_ddp not built: cmake --build $build --target bench_ddp)"
  fi
fi
