#!/usr/bin/env bash
# --shard-optimizer (ZeRO stage 1) at 2 ranks: each rank holds half of the optimizer
# state (the metrics' optimizer_state_bytes), yet the final checkpoint is bitwise plain
# DDP's (`allgrad diff` exit 0: parameters and the whole optimizer state), for AdamW and
# for SGD with momentum; under --reproducible it is bitwise the 1-rank run's, also when
# resumed on 4 sharded ranks; a run stopped and resumed with the flag switched either
# way is the straight run.
# usage: shard_optimizer.sh ALLGRAD [MPIEXEC]
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

# The last optimizer_state_bytes in a metrics file (rank 0's).
state_bytes() { grep -o '"optimizer_state_bytes": [0-9]*' "$1" | tail -1 | grep -o '[0-9]*$'; }

# 50,890 parameters (even, so two halves of 25,445 elements each).
MLP=(--model mlp:784,64,10:dropout=0.3 --data synthetic:4096 --epochs 2 --max-steps 100 --log-every 50 --batch-size 32)

# ---- AdamW: plain DDP against sharded, bitwise; half the state on each rank
on 2 "${MLP[@]}" --checkpoint-dir plain --metrics plain.jsonl && expect_ok "plain DDP"
on 2 "${MLP[@]}" --checkpoint-dir shard --metrics shard.jsonl --shard-optimizer && expect_ok "--shard-optimizer"
same plain/ckpt-000100.agc shard/ckpt-000100.agc "AdamW, sharded against plain DDP"
whole=$(state_bytes plain.jsonl) half=$(state_bytes shard.jsonl)
if [ "${whole:-0}" -ne $((2 * 4 * 50890)) ]; then fail "plain DDP: optimizer_state_bytes ${whole:-missing}, expected 2 moments × 50,890 floats"; fi
if [ "${half:-0}" -ne $((2 * 4 * 25445)) ]; then fail "--shard-optimizer: optimizer_state_bytes ${half:-missing} on rank 0, expected half of $whole"; fi

# ---- stopped at step 40 and resumed with the flag switched: the checkpoint holds the
# whole state either way, and the result is the straight run's
on 2 "${MLP[@]}" --checkpoint-dir s2p --max-steps 40 --shard-optimizer && expect_ok "sharded first part"
on 2 "${MLP[@]}" --checkpoint-dir s2p --resume auto && expect_ok "resumed without --shard-optimizer"
same plain/ckpt-000100.agc s2p/ckpt-000100.agc "sharded to step 40, resumed unsharded"
on 2 "${MLP[@]}" --checkpoint-dir p2s --max-steps 40 && expect_ok "plain first part"
on 2 "${MLP[@]}" --checkpoint-dir p2s --resume auto --shard-optimizer && expect_ok "resumed with --shard-optimizer"
same plain/ckpt-000100.agc p2s/ckpt-000100.agc "unsharded to step 40, resumed sharded"

# ---- SGD with momentum (another state: the momentum buffer)
SGD=(--optimizer sgd --momentum 0.9 --lr 0.05)
on 2 "${MLP[@]}" "${SGD[@]}" --checkpoint-dir sgd-plain && expect_ok "SGD, plain DDP"
on 2 "${MLP[@]}" "${SGD[@]}" --checkpoint-dir sgd-shard --shard-optimizer && expect_ok "SGD, --shard-optimizer"
same sgd-plain/ckpt-000100.agc sgd-shard/ckpt-000100.agc "SGD with momentum, sharded against plain DDP"

# ---- under --reproducible: 2 sharded ranks give the 1-rank run, bitwise
REPRO=(--model mlp:784,64,10:dropout=0.3 --data synthetic:4096 --epochs 2 --max-steps 100 --log-every 50 --reproducible)
on 1 "${REPRO[@]}" --batch-size 64 --checkpoint-dir r1 && expect_ok "--reproducible on 1 rank"
on 2 "${REPRO[@]}" --batch-size 32 --checkpoint-dir r2 --shard-optimizer && expect_ok "--reproducible --shard-optimizer on 2 ranks"
same r1/ckpt-000100.agc r2/ckpt-000100.agc "--reproducible: 2 sharded ranks against 1 rank"
# ... and stopped at step 40 on 2 sharded ranks, resumed on 4 (a quarter of the state each)
on 2 "${REPRO[@]}" --batch-size 32 --checkpoint-dir r24 --shard-optimizer --max-steps 40 && expect_ok "--reproducible sharded, first part"
on 4 "${REPRO[@]}" --batch-size 16 --checkpoint-dir r24 --shard-optimizer --resume auto && expect_ok "resumed on 4 sharded ranks"
same r1/ckpt-000100.agc r24/ckpt-000100.agc "--reproducible: 2 sharded ranks to step 40, then 4, against 1 rank"
finish
