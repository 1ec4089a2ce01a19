#!/usr/bin/env bash
# --reproducible: the same global batch on 1, 2 and 4 ranks gives bitwise the same
# final checkpoint (`allgrad diff` exit 0), for the MLP with dropout and for the
# ConvNet, 200 steps each; without the flag the MLP's 1- and 2-rank results differ
# (what the flag is for); a run stopped and resumed, on the same or another world size,
# is the straight one; settings it cannot honour are refused with one clear line.
# usage: reproducible.sh ALLGRAD [MPIEXEC]
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1
if [ -z "$MPIEXEC" ]; then echo "no mpiexec: skipped"; exit 77; fi

# on RANKS ARGS...: allgrad train on RANKS processes (one thread each, from ctest's environment).
on() {
  local n=$1; shift
  if [ "$n" = 1 ]; then
    timeout 300 "$AG" train "$@" >"$OUT" 2>"$ERR"
  else
    timeout 300 "$MPIEXEC" -np "$n" --oversubscribe "$AG" train "$@" >"$OUT" 2>"$ERR"
  fi
  RC=$?
}

same() {  # A B WHAT: the two checkpoints are bitwise equal
  if ! "$AG" diff "$1" "$2" >"$AG_TMP/diff.out" 2>&1; then
    fail "$3: checkpoints differ"
    grep -v " equal" "$AG_TMP/diff.out" | head -20 >&2
  fi
}

# on_1_2_4 NAME GLOBAL_BATCH ARGS...: 200 steps on 1, 2 and 4 ranks (checkpoints in
# NAME1, NAME2, NAME4), the global batch kept; all three final checkpoints bitwise equal.
on_1_2_4() {
  local name=$1 global=$2 n; shift 2
  for n in 1 2 4; do
    on "$n" "$@" --batch-size $((global / n)) --checkpoint-dir "$name$n"
    expect_ok "$name --reproducible on $n rank(s)"
  done
  same "${name}1/ckpt-000200.agc" "${name}2/ckpt-000200.agc" "$name, 1 rank against 2"
  same "${name}1/ckpt-000200.agc" "${name}4/ckpt-000200.agc" "$name, 1 rank against 4"
}

# ---- the MLP with dropout: global batch 64 in 8 micro-batches of 8, 200 steps over 3+ epochs
MLP=(--model mlp:784,64,10:dropout=0.3 --data synthetic:4096 --epochs 4 --max-steps 200 --log-every 50 --reproducible)
on_1_2_4 mlp 64 "${MLP[@]}"

# Plain DDP on the same global batch is not the same computation: the flag matters.
PLAIN=(--model mlp:784,64,10:dropout=0.3 --data synthetic:4096 --epochs 4 --max-steps 200 --log-every 50)
on 1 "${PLAIN[@]}" --batch-size 64 --checkpoint-dir plain1 && on 2 "${PLAIN[@]}" --batch-size 32 --checkpoint-dir plain2
if [ "$RC" -eq 0 ] && "$AG" diff plain1/ckpt-000200.agc plain2/ckpt-000200.agc >/dev/null 2>&1; then
  fail "without --reproducible 1 and 2 ranks gave the same parameters: the test above proves nothing"
fi

# Stopped at step 90 and resumed on 2 ranks: the straight 4-rank run's parameters.
on 2 "${MLP[@]}" --batch-size 32 --checkpoint-dir cut --max-steps 90 && expect_ok "MLP, first part"
on 2 "${MLP[@]}" --batch-size 32 --checkpoint-dir cut --resume auto && expect_ok "MLP, resumed"
same mlp4/ckpt-000200.agc cut/ckpt-000200.agc "MLP stopped at 90 and resumed, against the straight run"
# Stopped at step 90 on 2 ranks and resumed on 4 with the global batch kept (a host
# lost, say): still the straight run, bitwise; another global batch is refused.
on 2 "${MLP[@]}" --batch-size 32 --checkpoint-dir moved --max-steps 90 && expect_ok "MLP, first part on 2 ranks"
on 4 "${MLP[@]}" --batch-size 8 --checkpoint-dir moved --resume auto
if [ "$RC" -eq 0 ]; then fail "resumed with another global batch (4 × 8): accepted"; fi
grep -qF "global-batch '64' there, '32' now" "$ERR" || { fail "another global batch: no message naming it"; show >&2; }
on 4 "${MLP[@]}" --batch-size 16 --checkpoint-dir moved --resume auto && expect_ok "MLP, resumed on 4 ranks"
contains "$OUT" "--reproducible keeps the global batch of 64" "the note on the world size change"
same mlp1/ckpt-000200.agc moved/ckpt-000200.agc "MLP stopped at 90 on 2 ranks and resumed on 4, against the straight run"

# ---- the ConvNet: global batch 4 in 4 micro-batches of 1 (dropout-free, but conv,
# pooling and their GEMMs at another batch size per rank)
CONV=(--model convnet --data synthetic:400 --epochs 2 --max-steps 200 --log-every 100 --reproducible --micro-batch-size 1)
on_1_2_4 conv 4 "${CONV[@]}"

# ---- settings --reproducible cannot honour: one line each, naming the flags
refused() {  # RANKS REGEX WHAT ARGS...
  local n=$1 re=$2 what=$3; shift 3
  on "$n" --model mlp:784,16,10 --data synthetic:256 --max-steps 1 --reproducible "$@"
  if [ "$RC" -eq 0 ]; then fail "$what: accepted"; return; fi
  grep -qE -- "$re" "$ERR" || { fail "$what: no message matching '$re'"; show >&2; }
}
refused 1 "global batch of 12 .*does not split into a power-of-two number of micro-batches of 1" \
  "a global batch of 12 (default micro-batch 12/8)" --batch-size 12
refused 1 "does not split into a power-of-two number of micro-batches of 5 \(--micro-batch-size\)" \
  "micro-batches of 5 in 64" --batch-size 64 --micro-batch-size 5
refused 3 "3 ranks cannot share the 8 micro-batches" "3 ranks" --batch-size 16 --micro-batch-size 6
refused 1 "leave out --grad-accum" "with --grad-accum" --batch-size 64 --grad-accum 2
finish
