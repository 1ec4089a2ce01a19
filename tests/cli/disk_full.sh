#!/usr/bin/env bash
# A full disk during a save, on a real file system: --checkpoint-dir on a tmpfs with
# room for one checkpoint. The first save fits, the second finds no space: the run
# stops with exit 1 naming the file and the cause; the first checkpoint stays valid,
# the latest, and is what --resume auto continues from (nothing is lost); no temporary
# is left. Also a read-only mount refused at start-up. Needs root to mount (runs in
# its own mount namespace, so nothing stays mounted); exits 77 (skipped) otherwise.
# usage: disk_full.sh ALLGRAD [MPIEXEC]
if [ -z "${AG_IN_MOUNT_NS:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "not root: cannot mount a small file system; skipped"; exit 77; }
  command -v unshare >/dev/null || { echo "no unshare; skipped"; exit 77; }
  AG_IN_MOUNT_NS=1 exec unshare -m --propagation private bash "$0" "$@"
  echo "unshare -m failed; skipped"
  exit 77
fi
source "$(dirname "$0")/lib.sh"
trap 'umount "$AG_TMP/full" "$AG_TMP/ro" 2>/dev/null; rm -rf "$AG_TMP"' EXIT
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1
ms_now() { date +%s%3N; }

SMALL=(--model mlp:784,64,10 --data synthetic:640 --batch-size 64 --epochs 3 --threads 1 --quiet)
run "$AG" train "${SMALL[@]}" --checkpoint-dir ref --max-steps 10
expect_ok "reference run to step 10" || die "no reference run"
size=$(stat -c %s ref/ckpt-000010.agc)
# Room for 1.5 checkpoints: the second one's temporary cannot be written next to the first.
mkdir full ro
mount -t tmpfs -o size=$((size * 3 / 2 / 1024 + 4))k tmpfs full || { echo "mount failed; skipped"; exit 77; }
mount -t tmpfs -o ro,size=64k tmpfs ro || { echo "read-only mount failed; skipped"; exit 77; }

# ---- read-only file system: refused at start-up, even to root
t0=$(ms_now)
run "$AG" train "${SMALL[@]}" --checkpoint-dir ro --max-steps 1000
t1=$(ms_now)
[ "$RC" -eq 1 ] || { fail "read-only --checkpoint-dir: exit $RC, expected 1"; show >&2; }
contains "$ERR" "checkpoint 'ro': directory is not writable: Read-only file system" "read-only --checkpoint-dir"
[ -s "$OUT" ] && fail "read-only --checkpoint-dir: training started first"
echo "read-only mount: clean exit after $((t1 - t0)) ms: $(cat "$ERR")"

# ---- disk full at the second save
t0=$(ms_now)
run "$AG" train "${SMALL[@]}" --checkpoint-dir full --checkpoint-every 5 --max-steps 20
t1=$(ms_now)
[ "$RC" -eq 1 ] || { fail "disk full: exit $RC, expected 1"; show >&2; }
[ "$(grep -c . "$ERR")" -eq 1 ] || { fail "disk full: expected one line on stderr"; show >&2; }
contains "$ERR" "cannot save the checkpoint of step 10, so training stops: checkpoint 'full/ckpt-000010.agc'" "disk full: names the file"
contains "$ERR" "No space left on device" "disk full: names the cause"
contains "$ERR" "the latest checkpoint, full/ckpt-000005.agc, is intact" "disk full: names the intact checkpoint"
echo "disk full: clean exit $((t1 - t0)) ms after start (10 steps, 2 saves): $(cat "$ERR")"
leftover=$(find full -name '.*' ! -name .allgrad-lock)  # the writers' lock file stays
[ -z "$leftover" ] || fail "disk full: files left behind: $leftover"
[ "$(ls full)" = "ckpt-000005.agc" ] || fail "disk full: expected only ckpt-000005.agc, found: $(ls -a full)"
run "$AG" inspect --verify full
expect_ok "inspect --verify after the full disk" && contains "$OUT" "ckpt-000005.agc" "the latest is still step 5"
# Nothing lost: moved to a disk with room, --resume auto goes on from step 5 and ends
# where the uninterrupted run does.
cp -a full moved
run "$AG" train "${SMALL[@]}" --checkpoint-dir moved --resume auto --max-steps 10
expect_ok "resume after the full disk"
run "$AG" diff moved/ckpt-000010.agc ref/ckpt-000010.agc
expect_ok "resumed from step 5 == uninterrupted run"

# ---- the same on 2 ranks: rank 0 writes, the job stops
if [ -n "$MPIEXEC" ]; then
  rm -f full/*
  t0=$(ms_now)
  run "$MPIEXEC" --oversubscribe -np 2 "$AG" train "${SMALL[@]}" --checkpoint-dir full --checkpoint-every 3 --max-steps 20
  t1=$(ms_now)
  [ "$RC" -ne 0 ] || fail "2 ranks, disk full: succeeded"
  [ "$RC" -eq 124 ] && fail "2 ranks, disk full: hung"
  contains "$ERR" "cannot save the checkpoint of step 6, so training stops" "2 ranks, disk full"
  contains "$ERR" "No space left on device" "2 ranks, disk full: the cause"
  contains "$ERR" "the latest checkpoint, full/ckpt-000003.agc, is intact" "2 ranks, disk full: the intact checkpoint"
  [ "$(ls -a full | grep -v '^\.allgrad-lock$' | grep -c '^\.[^.]')" -eq 0 ] || fail "2 ranks, disk full: files left behind: $(ls -a full)"
  run "$AG" inspect --verify full
  expect_ok "2 ranks: inspect --verify" && contains "$OUT" "ckpt-000003.agc" "2 ranks: the latest is still step 3"
  echo "2 ranks, disk full: job ended $((t1 - t0)) ms after start"
fi

finish
