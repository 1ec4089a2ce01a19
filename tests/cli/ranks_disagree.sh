#!/usr/bin/env bash
# Ranks started with different settings stop before the first step, every rank with
# one line naming the setting and each rank's value, instead of training different
# things, hanging at a collective, or failing with an MPI error.
# usage: ranks_disagree.sh ALLGRAD MPIEXEC
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1
[ -n "$MPIEXEC" ] || { echo "no mpiexec: skipped"; exit 77; }

BASE=(train --model mlp:4,8,3 --data synthetic:60 --batch-size 10 --epochs 2 --threads 1 --log-every 1 --collective-timeout 30)

# differ NAME REGEX EXTRA...: rank 1 gets EXTRA on top of rank 0's flags.
differ() {
  local what=$1 regex=$2; shift 2
  local start end
  start=$(date +%s.%N)
  timeout 60 "$MPIEXEC" --oversubscribe -n 1 "$AG" "${BASE[@]}" : -n 1 "$AG" "${BASE[@]}" "$@" >"$OUT" 2>"$ERR"
  RC=$?
  end=$(date +%s.%N)
  local secs
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  echo "$what: exit $RC after $secs s"
  if [ "$RC" -eq 0 ] || [ "$RC" -eq 124 ]; then fail "$what: exit $RC (trained or hung)"; show >&2; return; fi
  grep -qE -- "$regex" "$ERR" || { fail "$what: stderr lacks /$regex/"; show >&2; return; }
  grep -qE "^step [0-9]+" "$OUT" && { fail "$what: a step ran before the ranks disagreed"; show >&2; }
  awk -v s="$secs" 'BEGIN { exit !(s < 20) }' || fail "$what: took $secs s"
}

differ optimizer "ranks disagree on optimizer: 'adamw' on rank 0, 'sgd' on rank 1" --optimizer sgd
differ seed "ranks disagree on seed: '0' on rank 0, '5' on rank 1" --seed 5
differ model "ranks disagree on model: 'mlp:4,8,3' on rank 0, 'mlp:4,8,3:act=tanh' on rank 1" --model mlp:4,8,3:act=tanh
differ max-steps "ranks disagree on max-steps: '-1' on rank 0, '3' on rank 1" --max-steps 3
differ batch-size "ranks disagree on batch-size: '10' on rank 0, '20' on rank 1" --batch-size 20
differ data "ranks disagree on data: 'synthetic:60' on rank 0, 'synthetic:80' on rank 1" --data synthetic:80
differ checkpoint-every "ranks disagree on checkpoint-dir" --checkpoint-dir ck --checkpoint-every 2
# The same settings spelled differently are the same run.
timeout 60 "$MPIEXEC" --oversubscribe -n 1 "$AG" "${BASE[@]}" : -n 1 "$AG" "${BASE[@]}" --model mlp:4,8,3:act=relu >"$OUT" 2>"$ERR"
RC=$?
expect_ok "two spellings of one model on two ranks" && contains "$OUT" "done: 6 steps" "two spellings of one model"
finish
