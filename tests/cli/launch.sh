#!/usr/bin/env bash
# allgrad launch on this machine: each mistake gives one clear line on stderr and a
# non-zero exit (no host answers, a missing or malformed hostfile, --np beyond the
# slots of the hosts that answer, nothing after --, ...); a job that finishes is run
# once; a job whose rank is killed after its first checkpoints is restarted from the
# latest one with --resume auto, and launch logs the restart with its cause.
# (The restart on the surviving host after a network cut: tests/dist/launch_netcut.sh.)
# usage: launch.sh ALLGRAD
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
cd "$AG_TMP" || exit 1

# expect EXIT REGEX ARGS...: `allgrad launch ARGS...` exits EXIT with one stderr line matching REGEX.
expect() {
  local want=$1 regex=$2; shift 2
  run "$AG" launch "$@"
  if [ "$RC" -ne "$want" ]; then fail "launch $*: exit code $RC, expected $want"; show >&2; return; fi
  if [ "$(wc -l <"$ERR")" -ne 1 ] || ! grep -Eq -- "$regex" "$ERR"; then
    fail "launch $*: stderr is not one line matching '$regex'"; show >&2
  fi
}
printf 'localhost slots=2\n' >local2
printf 'localhost slots=2\nnode-b slots=2  # behind the agent that never answers\n' >local2-b2
printf 'node-a slots=2\nnode-b slots=1\n' >remote
printf 'node-a slots=two\n' >malformed
printf '# nothing\n\n' >empty
NOANSWER=(--mca plm_rsh_agent false)
CK=(--checkpoint-dir ck)

expect 2 "nothing to run"
expect 2 "nothing to run" --np 2 --
expect 2 "launch runs .train., got 'inspect'" -- inspect x
expect 2 "cannot read hostfile 'missing': No such file" --hostfile missing -- train "${CK[@]}"
expect 2 "hostfile 'malformed' line 1: 'slots=two' is not slots=N" --hostfile malformed -- train "${CK[@]}"
expect 2 "hostfile 'empty' names no host" --hostfile empty -- train "${CK[@]}"
expect 1 "no host of 'remote' answers \(probed with .false HOST true.*node-a \(2\), node-b \(1\)" \
  --hostfile remote "${NOANSWER[@]}" -- train "${CK[@]}"
expect 2 "--np 3 is more than the 2 slots of the hosts that answer: localhost \(2\)" --hostfile local2 --np 3 -- train "${CK[@]}"
expect 2 "--np 4 is more than the 2 slots of the hosts that answer: localhost \(2\)$" \
  --hostfile local2-b2 "${NOANSWER[@]}" --np 4 -- train "${CK[@]}"
expect 2 "--np needs a whole number >= 1, got '0'" --np 0 -- train "${CK[@]}"
expect 2 "--max-restarts needs a whole number >= 0, got '-1'" --max-restarts -1 -- train "${CK[@]}"
expect 2 "unknown option '--bogus'" --bogus -- train "${CK[@]}"
expect 2 "give train a --checkpoint-dir \(or --max-restarts 0\)" -- train --model mlp:784,16,10

TRAIN=(train --model mlp:784,16,10 --data synthetic:400 --threads 1 --checkpoint-every 5 --keep 2)
# A job that finishes runs once.
run "$AG" launch --np 2 -- "${TRAIN[@]}" --epochs 1 "${CK[@]}"
expect_ok "a job that finishes" && contains "$ERR" "allgrad launch: the job finished" "a job that finishes"
grep -q "restart" "$ERR" && fail "a job that finishes was restarted"

# A rank killed once there are checkpoints: launch restarts the job, which resumes and finishes.
# (--max-steps keeps the resumed job short; SIGKILL, because train stops cleanly on SIGTERM.)
"$AG" launch --np 2 --max-restarts 1 -- "${TRAIN[@]}" --epochs 100000 --max-steps 1000 --checkpoint-dir kill \
  >kill.out 2>kill.err &
job=$!
for _ in $(seq 600); do
  [ "$(ls kill 2>/dev/null | grep -c '^ckpt-[0-9]*[.]agc$')" -ge 2 ] && break
  sleep 0.05
done
victim=$(pgrep -f -- "--checkpoint-dir kill" | while read -r p; do
  [ "$(ps -o comm= -p "$(ps -o ppid= -p "$p" | tr -d ' ')")" = mpirun ] && echo "$p"; done | head -n 1)
[ -n "$victim" ] || die "no rank of the job found"
kill -KILL "$victim"
wait "$job"
RC=$?
cp kill.out "$OUT"; cp kill.err "$ERR"
if expect_ok "a job restarted after a killed rank"; then
  contains kill.err "allgrad launch: restart 1: 2 rank(s) on localhost (2)" "the restart"
  grep -Eq "^allgrad launch: the job failed after [0-9]+ s \(mpirun exit code [1-9][0-9]*\); cause: " kill.err ||
    { fail "the failure's cause is not logged"; show >&2; }
  contains kill.err "cause: mpirun noticed that process rank" "the failure's cause"
  grep -Eq "resumed from (.*/)?kill/ckpt-[0-9]+[.]agc at step [1-9]" kill.out kill.err || { fail "the restart did not resume"; show >&2; }
  contains kill.out "done: 1000 steps" "the restarted job"
  contains kill.err "allgrad launch: the job finished after 1 restart(s)" "the restarted job"
fi
[ "$AG_FAILURES" -eq 0 ] || exit 1
echo "launch: ok"
