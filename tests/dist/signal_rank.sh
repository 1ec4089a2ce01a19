#!/usr/bin/env bash
# A real rank process of `allgrad train` under `mpiexec -n 2` gets SIGNAL (KILL or
# STOP) mid-training, after checkpoints exist. The job must end non-zero within the
# collective timeout plus a margin, with a message naming the rank (for KILL Open
# MPI's own "process rank 1 ... exited on signal 9"; for STOP the watchdog's
# "did not arrive: 1"), leave no process behind, and its latest checkpoint must verify.
#   signal_rank.sh KILL|STOP ALLGRAD MPIEXEC
set -uo pipefail
sig=${1:?usage: signal_rank.sh KILL|STOP ALLGRAD MPIEXEC}
AG=$(readlink -f "$2")
MPIEXEC=$3
TIMEOUT=5                 # --collective-timeout
LIMIT=$((TIMEOUT + 10))   # + the diagnosis grace (2 s) and Open MPI's teardown
case "$sig" in
  KILL) pattern="process rank 1 .*exited on signal 9" ;;
  STOP) pattern="rank 0 \(on [^)]+\): collective '[^']+' \(#[0-9]+\) at step [0-9]+ made no progress.*did not arrive.*: 1 \(on [^)]+\)" ;;
  *) echo "unknown signal $sig"; exit 2 ;;
esac
work=$(mktemp -d)
pids=""
cleanup() {
  # A stopped rank would outlive mpiexec: wake it and end it (only our own processes).
  for p in $pids; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$work" || exit 1

timeout -s KILL $((LIMIT + 30)) "$MPIEXEC" --oversubscribe --allow-run-as-root -np 2 "$AG" train --model mlp:784,32,10 \
  --data synthetic:2000 --epochs 100000 --threads 1 --quiet --checkpoint-dir ck --checkpoint-every 10 \
  --keep 2 --collective-timeout "$TIMEOUT" >out 2>err &
job=$!
for _ in $(seq 1200); do
  [ "$(ls ck 2>/dev/null | grep -c '^ckpt-[0-9]*[.]agc$')" -ge 2 ] && break  # step 20 or later
  kill -0 "$job" 2>/dev/null || { cat err; fail "training ended before any checkpoint"; }
  sleep 0.05
done
[ "$(ls ck 2>/dev/null | grep -c '^ckpt-[0-9]*[.]agc$')" -ge 2 ] || fail "fewer than two checkpoints after 60 s"
# The ranks: every process whose environment says it is rank 0 or 1 of a job started
# under this mpiexec (its children, or a launcher's grandchildren).
rank_pid() {
  local p
  for p in $(pgrep -P "$1"; for c in $(pgrep -P "$1"); do pgrep -P "$c"; done); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" && echo "$p"
  done
}
mpi=$(pgrep -P "$job" | head -n 1)  # mpiexec, under `timeout`
r0=$(rank_pid "$mpi" 0) r1=$(rank_pid "$mpi" 1)
[ -n "$r1" ] || fail "rank 1's process not found under mpiexec ($mpi)"
pids="$r0 $r1"
start=$(date +%s%N)
kill -"$sig" "$r1"
echo "SIG$sig to rank 1 (pid $r1)"
wait "$job"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "--- stderr of the job:"; tail -n 12 err
echo "mpiexec exit code $rc, $((ms / 1000)).$(printf %03d $((ms % 1000))) s after SIG$sig (limit ${LIMIT} s)"
[ "$rc" -ne 0 ] || fail "the job exited 0"
[ "$ms" -lt $((LIMIT * 1000)) ] || fail "the job took longer than ${LIMIT} s to end (or hung until killed)"
grep -Eq "$pattern" err || fail "the message does not match /$pattern/"
sleep 0.5  # Open MPI reaps its children as it exits; give a straggler a moment
for p in $r0 $r1; do
  state=$(ps -o stat= -p "$p" 2>/dev/null)
  case "$state" in ""|Z*) ;; *) fail "rank process $p left behind (state $state)" ;; esac
done
latest=$(ls ck/ckpt-*.agc | sort | tail -n 1)
"$AG" inspect --verify "$latest" || fail "the latest checkpoint $latest does not verify"
echo "signal_rank $sig: ok"
