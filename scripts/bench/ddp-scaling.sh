#!/usr/bin/env bash
# Data-parallel scaling of `allgrad train`: the Fashion-MNIST MLP 784-256-128-10,
# batch 64 per rank, 1 thread per rank, evaluation off; 1 rank and 2 ranks
# (mpirun -np 2) alternate so load from other processes hits both alike. Prints
# each run's samples/s, the medians and their ratio, then bench_ddp's 10 MB figures.
#   scripts/bench/ddp-scaling.sh [RUNS] [EPOCHS] [-- extra allgrad train flags]
# Besides wall-clock samples/s (the goal's measure) it prints samples per CPU-second
# of the training loop (CPU time of the run minus that of a --max-steps 0 run, which
# loads the data and sets up but does not train; both ranks' CPU for 2 ranks). On a shared machine the scheduler gives a lone process and a pair of
# processes very different shares of the 2 cores, so wall-clock ratios measured
# under load mean little; the CPU-time figures show what each step costs.
# Environment: BUILD (default build), BENCH_CORETYPE (OPENBLAS_CORETYPE for the
# runs; default SkylakeX, the kernels the performance goals were measured with),
# SKIP_BENCH_DDP=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
epochs=${2:-2}
shift $(( $# >= 2 ? 2 : $# ))
[[ "${1:-}" == "--" ]] && shift
build=${BUILD:-build}
export OPENBLAS_CORETYPE=${BENCH_CORETYPE:-SkylakeX}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
allgrad="$build/tools/allgrad"
[[ -x "$allgrad" ]] || { echo "ddp-scaling.sh: $allgrad not built (cmake --build $build --target allgrad bench_ddp)" >&2; exit 2; }
flags=(train --model mlp:784,256,128,10 --data fashion-mnist --batch-size 64 --threads 1 --epochs "$epochs"
       --optimizer adam --scheduler none --eval-every 0 --log-every 1000000 --quiet "$@")
mpi=(mpirun --oversubscribe -np 2)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs a command; prints "<samples/s from the summary line> <user+sys CPU seconds of it and its children>".
measure() {
  /usr/bin/time -f '%U %S' -o "$tmp/cpu" "$@" >"$tmp/out"
  local rate
  rate=$(sed -n 's/^done: .* s, \([0-9.]*\) samples\/s.*/\1/p' "$tmp/out")
  echo "${rate:-0} $(awk '{print $1 + $2}' "$tmp/cpu")"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# Steps per epoch and rank: 60000 training images split over the ranks, batch 64.
samples() { echo $(( epochs * 60000 / ($1 * 64) * 64 * $1 )); }

echo "load before: $(uptime)"
echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE, $runs runs each, $epochs epochs, flags: ${flags[*]}"
set -- $(measure "$allgrad" "${flags[@]}" --max-steps 0); base1=$2
set -- $(measure "${mpi[@]}" "$allgrad" "${flags[@]}" --max-steps 0); base2=$2
one=() two=() cpu1=() cpu2=()
for ((i = 1; i <= runs; ++i)); do
  set -- $(measure "$allgrad" "${flags[@]}"); r1=$1 c1=$2
  set -- $(measure "${mpi[@]}" "$allgrad" "${flags[@]}"); r2=$1 c2=$2
  [[ "$r1" != 0 && "$r2" != 0 ]] || { echo "ddp-scaling.sh: a run printed no summary:" >&2; cat "$tmp/out" >&2; exit 1; }
  p1=$(awk -v s="$(samples 1)" -v c="$c1" -v b="$base1" 'BEGIN {printf "%.0f", s / (c - b)}')
  p2=$(awk -v s="$(samples 2)" -v c="$c2" -v b="$base2" 'BEGIN {printf "%.0f", s / (c - b)}')
  one+=("$r1") two+=("$r2") cpu1+=("$p1") cpu2+=("$p2")
  echo "run $i: 1 rank $r1 samples/s ($p1 per CPU-s); 2 ranks $r2 samples/s ($p2 per CPU-s)"
done
m1=$(printf '%s\n' "${one[@]}" | median); m2=$(printf '%s\n' "${two[@]}" | median)
q1=$(printf '%s\n' "${cpu1[@]}" | median); q2=$(printf '%s\n' "${cpu2[@]}" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "median wall clock: 1 rank x 1 thread $m1 samples/s; 2 ranks x 1 thread $m2 samples/s; ratio $(ratio "$m2" "$m1")"
echo "median per CPU-second: 1 rank $q1; 2 ranks $q2, so on 2 idle cores $(( ${q2%.*} * 2 )) samples/s: ratio $(ratio "$((${q2%.*} * 2))" "$q1")"
echo "load after: $(uptime)"

if [[ -z "${SKIP_BENCH_DDP:-}" ]]; then
  if [[ -x "$build/libdist/bench_ddp" ]]; then
    "${mpi[@]}" "$build/libdist/bench_ddp" 10
  else
    echo "(bench_ddp not built: cmake --build $build --target bench_ddp)"
  fi
fi
