#!/usr/bin/env bash
# Uneven data under `allgrad train` with 2 ranks: DistributedSampler pads every rank's
# share to the same length, so every rank runs the same number of steps by
# construction. Even: 2048 examples, batch 64 -> 16 steps per epoch on each rank.
# Uneven: 1001 examples, batch 100 -> unpadded shares of 501 and 500 would give 6 and
# 5 batches; padded, both ranks run 6. A rank running one step more than the other
# would wait in a collective the other never joins, and the 5 s collective timeout
# would end the job non-zero, so exit 0 with the expected step count proves agreement.
#   uneven_data.sh ALLGRAD MPIEXEC
set -uo pipefail
AG=$(readlink -f "${1:?usage: uneven_data.sh ALLGRAD MPIEXEC}")
MPIEXEC=${2:?usage: uneven_data.sh ALLGRAD MPIEXEC}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
failures=0

# case NAME EXAMPLES BATCH EXPECTED_STEPS (over 2 epochs)
case_() {
  local name=$1 n=$2 batch=$3 want=$4 rc
  timeout -s KILL 60 "$MPIEXEC" --oversubscribe --allow-run-as-root -np 2 "$AG" train --model logreg:784,10 --data "synthetic:$n" \
    --batch-size "$batch" --epochs 2 --threads 1 --quiet --collective-timeout 5 --checkpoint-dir "ck-$name" >"$name.out" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: $name ($n examples, batch $batch): exit code $rc"; tail -n 5 "$name.out"; failures=$((failures + 1)); return
  fi
  if ! grep -qF "done: $want steps" "$name.out"; then
    echo "FAIL: $name: expected 'done: $want steps'"; cat "$name.out"; failures=$((failures + 1)); return
  fi
  "$AG" inspect "ck-$name" | grep -qF "global step $want" || { echo "FAIL: $name: final checkpoint is not at step $want"; failures=$((failures + 1)); return; }
  echo "$name: $n examples, batch $batch per rank, 2 ranks: $want steps on each rank"
}
case_ even 2048 64 32
case_ uneven 1001 100 12
[ "$failures" -eq 0 ] || exit 1
echo "uneven_data: ok"
