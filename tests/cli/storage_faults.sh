#!/usr/bin/env bash
# Storage faults that need no privileges: a --checkpoint-dir that cannot be used
# fails at start-up, before any training; a save refused by a file-size limit
# (ulimit -f) stops the run with a clear error, leaves the previous checkpoint
# valid and the latest, and no temporary. (disk_full.sh fills a real file system.)
# usage: storage_faults.sh ALLGRAD
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
cd "$AG_TMP" || exit 1

ms_now() { date +%s%3N; }
# A run long enough (1000 epochs) that failing late would time out.
LONG=(--model mlp:784,64,10 --data synthetic:640 --batch-size 64 --epochs 1000 --threads 1 --log-every 1)

# startup_failure WHAT KEYWORD DIR: the run fails at once, naming DIR and KEYWORD, with
# no start-up line and no step printed.
startup_failure() {
  local t0 t1
  t0=$(ms_now)
  run "$AG" train "${LONG[@]}" --checkpoint-dir "$3"
  t1=$(ms_now)
  if [ "$RC" -ne 1 ]; then fail "$1: exit $RC, expected 1"; show >&2; return; fi
  grep -qF -- "$3" "$ERR" || { fail "$1: stderr does not name $3"; show >&2; }
  grep -qiE -- "$2" "$ERR" || { fail "$1: stderr does not say /$2/"; show >&2; }
  [ -s "$OUT" ] && fail "$1: training started before the error: $(head -c 300 "$OUT")"
  echo "$1: clean exit after $((t1 - t0)) ms: $(head -n 1 "$ERR")"
}

touch a_file
startup_failure "parent missing" "parent 'no/such' does not exist" no/such/ck
startup_failure "path under a regular file" "not a directory" a_file/ck
startup_failure "a regular file" "exists but is not a directory" a_file
if [ "$(id -u)" -ne 0 ]; then
  mkdir locked && chmod 555 locked
  startup_failure "read-only directory" "not writable" locked/ck
fi
[ -e no ] && fail "a failed start-up created directories: $(find no)"

# ---- a file-size limit: the initial checkpoint (no optimizer state yet) fits, the
# first one with AdamW's moments (3x the size) does not.
SMALL=(--model mlp:784,64,10 --data synthetic:640 --batch-size 64 --epochs 3 --threads 1 --quiet)
run "$AG" train "${SMALL[@]}" --checkpoint-dir ref --max-steps 10
expect_ok "reference run to step 10"
run "$AG" train "${SMALL[@]}" --checkpoint-dir ck --max-steps 0
expect_ok "initial checkpoint" || die "no initial checkpoint"
small=$(stat -c %s ck/ckpt-000000.agc)
big=$(stat -c %s ref/ckpt-000010.agc)
limit_kib=$(( (small + big) / 2 / 1024 ))
[ $((limit_kib * 1024)) -gt "$small" ] && [ $((limit_kib * 1024)) -lt "$big" ] || die "sizes $small and $big leave no limit between them"
t0=$(ms_now)
( ulimit -f "$limit_kib"; exec "$AG" train "${SMALL[@]}" --checkpoint-dir ck --resume auto --checkpoint-every 5 --max-steps 10 ) >"$OUT" 2>"$ERR"
RC=$?
t1=$(ms_now)
[ "$RC" -eq 1 ] || { fail "save over the size limit: exit $RC, expected 1 (153 = killed by SIGXFSZ)"; show >&2; }
[ "$(grep -c . "$ERR")" -eq 1 ] || { fail "save over the size limit: expected one line on stderr"; show >&2; }
contains "$ERR" "cannot save the checkpoint of step 5, so training stops: checkpoint 'ck/ckpt-000005.agc'" "size limit: names the file"
contains "$ERR" "File too large" "size limit: names the cause"
contains "$ERR" "the latest checkpoint, ck/ckpt-000000.agc, is intact" "size limit: names the intact checkpoint"
echo "file-size limit during a save: clean exit $((t1 - t0)) ms after start (5 steps, then the save): $(cat "$ERR")"
leftover=$(find ck -name '.*tmp*')
[ -z "$leftover" ] || fail "size limit: temporary files left: $leftover"
[ -e ck/ckpt-000005.agc ] && fail "size limit: a ckpt-000005.agc exists"
run "$AG" inspect --verify ck
expect_ok "inspect --verify after the failed save" && contains "$OUT" "ckpt-000000.agc" "the latest is still step 0"
# Nothing lost: resumed without the limit, it ends where an uninterrupted run does.
run "$AG" train "${SMALL[@]}" --checkpoint-dir ck --resume auto --max-steps 10
expect_ok "resume after the failed save" && contains "$OUT" "done: 10 steps" "resume after the failed save"
run "$AG" diff ck/ckpt-000010.agc ref/ckpt-000010.agc
expect_ok "resumed run == uninterrupted run"

finish
