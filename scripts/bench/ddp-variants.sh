#!/usr/bin/env bash
# What --reproducible and --shard-optimizer cost against plain DDP at 2 ranks: the
# Fashion-MNIST MLP 784-256-128-10 with dropout 0.2, batch 64 per rank (global 128),
# AdamW, 1 thread per rank, evaluation off, under mpirun -np 2. The settings, run in
# turn RUNS times so load from other processes falls on all alike:
#   ddp           plain DDP (bucketed allreduce overlapping backward)
#   repro-m64     --reproducible --micro-batch-size 64: one micro-batch per rank
#                 (a fixed tree over 2 micro-batches, so it replays on 1 or 2 ranks)
#   repro-m16     --reproducible at its default micro-batch (global / 8 = 16): 4 per
#                 rank, replays on 1, 2, 4 or 8 ranks
#   shard         --shard-optimizer: each rank steps half of AdamW's state, then the
#                 halves are broadcast
# Prints each run's samples/s, then per setting the median and min–max and its ratio
# to DDP's median (goal for each: at most 10% slower, a ratio of at least 0.90).
#   scripts/bench/ddp-variants.sh [RUNS (3)] [EPOCHS (1)] [SETTING...] (default: all; ddp always)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
epochs=${2:-1}
build=${BUILD:-build}
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
allgrad="$build/tools/allgrad"
[[ -x "$allgrad" ]] || { echo "ddp-variants.sh: $allgrad not built (cmake --build $build --target allgrad)" >&2; exit 2; }
flags=(train --model mlp:784,256,128,10:dropout=0.2 --data fashion-mnist --batch-size 64 --threads 1 --epochs "$epochs"
       --eval-every 0 --log-every 1000000 --quiet)
declare -A extra=([ddp]="" [repro-m64]="--reproducible --micro-batch-size 64" [repro-m16]="--reproducible"
                  [shard]="--shard-optimizer")
order=(ddp)
for s in "${@:3}"; do
  [[ -v "extra[$s]" ]] || { echo "ddp-variants.sh: no setting '$s' (ddp repro-m64 repro-m16 shard)" >&2; exit 2; }
  [[ "$s" = ddp ]] || order+=("$s")
done
[[ ${#order[@]} -gt 1 ]] || order=(ddp repro-m64 repro-m16 shard)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for run in $(seq 1 "$runs"); do
  for s in "${order[@]}"; do
    # shellcheck disable=SC2086
    mpirun --oversubscribe -np 2 "$allgrad" "${flags[@]}" ${extra[$s]} >"$tmp/out" 2>&1 ||
      { echo "ddp-variants.sh: $s failed:" >&2; tail -5 "$tmp/out" >&2; exit 1; }
    rate=$(sed -n 's/^done: .* s, \([0-9.]*\) samples\/s.*/\1/p' "$tmp/out")
    echo "run $run $s ${rate:?no summary line}"
    echo "$rate" >>"$tmp/$s"
  done
done
python3 - "$tmp" "${order[@]}" <<'PY'
import statistics, sys
tmp, names = sys.argv[1], sys.argv[2:]
rates = {n: [float(v) for v in open(f"{tmp}/{n}")] for n in names}
base = statistics.median(rates["ddp"])
for n in names:
    m = statistics.median(rates[n])
    print(f"{n:10s} median {m:9.0f} samples/s (min {min(rates[n]):.0f}, max {max(rates[n]):.0f})  / ddp {m / base:.3f}")
PY
