#!/usr/bin/env bash
# The standard streams and written output: with stdout closed, no file takes its
# descriptor (the log would land in it); a write that fails (stdout or --metrics
# on /dev/full) ends the command with exit 1 and one line naming what could not
# be written, never a silent exit 0.
# usage: std_streams.sh ALLGRAD
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
cd "$AG_TMP" || exit 1

RUN=(--model mlp:4,8,3 --data synthetic:50 --batch-size 10 --epochs 2 --threads 1 --log-every 1)

# ---- stdout closed: the metrics file holds JSON lines only, the log lines went nowhere.
timeout 60 "$AG" train "${RUN[@]}" --metrics closed.jsonl >&- 2>"$ERR"
RC=$?
expect_ok "train with stdout closed"
[ -s closed.jsonl ] || fail "stdout closed: the metrics file is empty"
if grep -qvE '^\{"(step|config)"' closed.jsonl; then fail "stdout closed: log lines in the metrics file: $(grep -vE '^\{"(step|config)"' closed.jsonl | head -n 2)"; fi

# ---- failed writes.
# write_fails WHAT PATTERN CMD...: exit 1, one line on stderr matching PATTERN.
write_fails() {
  local what=$1 pattern=$2; shift 2
  run "$@"
  if [ "$RC" -ne 1 ]; then fail "$what: exit $RC, expected 1"; show >&2; return; fi
  [ "$(grep -c . "$ERR")" -eq 1 ] || { fail "$what: expected one line on stderr"; show >&2; }
  grep -qE -- "$pattern" "$ERR" || { fail "$what: stderr does not match /$pattern/"; show >&2; }
}
if [ -w /dev/full ]; then
  "$AG" train "${RUN[@]}" --quiet --checkpoint-dir ck --max-steps 1 >/dev/null 2>&1 || die "could not write a checkpoint to test with"
  write_fails "--metrics /dev/full" "cannot write --metrics file '/dev/full': No space left on device" \
    "$AG" train "${RUN[@]}" --quiet --metrics /dev/full
  for flags in "" "--quiet"; do
    timeout 60 "$AG" train "${RUN[@]}" $flags >/dev/full 2>"$ERR"
    RC=$?
    [ "$RC" -eq 1 ] || fail "train $flags >/dev/full: exit $RC, expected 1"
    # --quiet prints only the summary, which the run flushes unchecked: the OS error may be lost by the final check.
    grep -qE "cannot write standard output: (No space left on device|an earlier write to it failed)" "$ERR" || { fail "train $flags >/dev/full: no error naming stdout"; show >&2; }
    [ "$(grep -c . "$ERR")" -eq 1 ] || { fail "train $flags >/dev/full: expected one line on stderr"; show >&2; }
  done
  for cmd in "inspect --json ck" "inspect ck" "diff ck ck"; do
    timeout 60 "$AG" $cmd >/dev/full 2>"$ERR"
    RC=$?
    want=1; [ "${cmd%% *}" = diff ] && want=2
    [ "$RC" -eq "$want" ] || fail "$cmd >/dev/full: exit $RC, expected $want"
    grep -qE "cannot write standard output: No space left on device" "$ERR" || { fail "$cmd >/dev/full: no error naming stdout"; show >&2; }
  done
else
  echo "no writable /dev/full: the failed-write checks are skipped"
fi

# A reader that stops early is no failure: `inspect | head -c 1` exits 0 with nothing on
# stderr, every time (the output is larger than one pipe write, so the reader is gone
# before the last piece is written).
for i in $(seq 1 20); do
  timeout 60 "$AG" inspect ck 2>"$ERR" | head -c 1 >/dev/null
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ] || [ -s "$ERR" ]; then fail "inspect | head -c 1: exit $rc (run $i)"; show >&2; break; fi
done

finish
