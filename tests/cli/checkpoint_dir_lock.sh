#!/usr/bin/env bash
# One run writes a --checkpoint-dir at a time: a second is refused, naming the first's
# host and pid; a killed save's temporary is reported by `allgrad inspect DIR` and
# removed by the next run writing there.
# usage: checkpoint_dir_lock.sh ALLGRAD
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
cd "$AG_TMP" || exit 1

RUN=(--model mlp:4,8,3 --data synthetic:50 --batch-size 10 --threads 1 --quiet)

# ---- a run that holds ck: checkpoints every step for a long time.
"$AG" train "${RUN[@]}" --epochs 100000 --checkpoint-every 1 --checkpoint-dir ck >/dev/null 2>first.err &
FIRST=$!
# (`ls ck` rather than a glob: --keep deletes old files between the glob and ls.)
has_checkpoint() { ls ck 2>/dev/null | grep -q '^ckpt-'; }
for _ in $(seq 100); do
  has_checkpoint && break
  sleep 0.1
done
has_checkpoint || { kill "$FIRST"; wait "$FIRST"; die "the first run wrote no checkpoint"; }
run "$AG" train "${RUN[@]}" --epochs 1 --checkpoint-dir ck
kill "$FIRST" 2>/dev/null
wait "$FIRST" 2>/dev/null
[ "$RC" -eq 1 ] || { fail "a second writer of ck: exit $RC, expected 1"; show >&2; }
grep -qE "ck'?: is in use by another run \(host $(hostname), pid $FIRST\)" "$ERR" || { fail "the error does not name the holder"; show >&2; }

# ---- leftovers of a killed save: reported by inspect, removed by the next writer.
"$AG" train "${RUN[@]}" --epochs 1 --checkpoint-dir left >/dev/null 2>&1 || die "could not write a checkpoint"
sh -c 'exit 0' &
DEAD=$!
wait "$DEAD"
head -c 3000 /dev/zero >"left/.ckpt-000009.agc.tmp-$DEAD-0"
run "$AG" inspect left
expect_ok "inspect a directory with a leftover"
contains "$OUT" "leftover left/.ckpt-000009.agc.tmp-$DEAD-0 (3.0 kB) of a save by process $DEAD, which is not running" "inspect left"
run "$AG" inspect --json left
contains "$OUT" "leftover left/.ckpt-000009.agc.tmp-$DEAD-0" "inspect --json left"
run "$AG" train "${RUN[@]}" --epochs 1 --checkpoint-dir left --resume auto --max-steps 6
expect_ok "the next run in left"
[ -e "left/.ckpt-000009.agc.tmp-$DEAD-0" ] && fail "the next writer left the dead save's temporary"

finish
