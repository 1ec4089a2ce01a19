#!/usr/bin/env bash
# `mpirun -np 2 allgrad train > train.log`: the launcher gives the ranks a pty, yet the
# log is a file, so it must hold plain lines (one per --log-every), not the progress
# bar's carriage-return redraws.
# usage: mpi_log.sh ALLGRAD [MPIEXEC]
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1
if [ -z "$MPIEXEC" ]; then
  echo "no mpiexec: skipped"
  exit 77
fi

run "$MPIEXEC" --oversubscribe -np 2 "$AG" train --model mlp:4,8,3 --data synthetic:200 --batch-size 10 --epochs 2 --threads 1 --log-every 5
expect_ok "train under mpiexec -n 2"
if grep -q $'\r' "$OUT"; then fail "carriage returns in the log: $(grep -c $'\r' "$OUT") line(s) hold the redrawn bar"; fi
# 200 examples over 2 ranks in batches of 10: 10 steps an epoch, 20 in all, a line every 5.
n=$(grep -c '^step ' "$OUT")
[ "$n" -eq 4 ] || { fail "expected 4 step lines (every 5 of 20 steps), got $n"; show >&2; }

finish
