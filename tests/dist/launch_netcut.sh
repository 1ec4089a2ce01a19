#!/usr/bin/env bash
# allgrad launch across a network cut, with the kernel's default TCP settings: two
# namespace hosts (scripts/netns-hosts.sh), one rank each, checkpointing every 10 steps;
# once checkpoints exist the link to the second host is cut. launch must see the job
# fail, end mpirun, find that only the first host still answers (its probe goes through
# the same agent as mpirun's daemons) and restart there with one rank from the latest
# checkpoint, within LIMIT seconds of the cut; the restarted job must reach --max-steps,
# launch must exit 0 and log the restart's cause (the lost host), and nothing may be
# left running on the first host. The job runs with --reproducible (global batch 64:
# 32 per rank on two hosts), so launch restarts the single rank with --batch-size 64,
# and the final checkpoint must be bitwise that of the same job run uninterrupted on
# both hosts first. Prints the time lost: from the cut to the restart, and the steps
# redone since the checkpoint.
#   launch_netcut.sh ALLGRAD     (root only; exits 77 = skipped otherwise)
set -uo pipefail
AG=$(readlink -f "${1:?usage: launch_netcut.sh ALLGRAD}")
source "$(dirname "$0")/../../scripts/netns-hosts.sh" launch_netcut
TIMEOUT=20   # --collective-timeout
LIMIT=50     # cut to restart: the timeout, the diagnosis grace (5 s), launch's 5 s, back-off 1 s, probe
STEPS=1000
fail() { echo "FAIL: $*"; exit 1; }

netns_hosts_up
cd "$NETNS_WORK" || exit 1
export AG_NUM_THREADS=1
TRAIN=(train --model mlp:784,32,10:dropout=0.2 --data synthetic:2000 --epochs 100000 --threads 1 --max-steps "$STEPS"
       --reproducible --batch-size 32 --checkpoint-every 10 --keep 2 --collective-timeout "$TIMEOUT")
on_host1 timeout -s KILL 150 "$AG" launch --hostfile "$NETNS_WORK/hosts" --max-restarts 0 "${NETNS_MCA[@]}" -- \
  "${TRAIN[@]}" --checkpoint-dir "$NETNS_WORK/straight" >straight.out 2>straight.err ||
  { tail -5 straight.err; fail "the uninterrupted run on both hosts failed"; }
grep -q '^allgrad launch: start: 2 rank(s) on ' straight.err || fail "the uninterrupted run did not use both hosts"
on_host1 timeout -s KILL 150 "$AG" launch --hostfile "$NETNS_WORK/hosts" --max-restarts 2 "${NETNS_MCA[@]}" -- \
  "${TRAIN[@]}" --checkpoint-dir "$NETNS_WORK/ck" >launch.out 2>launch.err &
job=$!
for _ in $(seq 1200); do
  [ "$(ls ck 2>/dev/null | grep -c '^ckpt-[0-9]*[.]agc$')" -ge 2 ] && break  # step 20 or later
  kill -0 "$job" 2>/dev/null || { cat launch.err; fail "launch ended before any checkpoint"; }
  sleep 0.05
done
[ "$(ls ck 2>/dev/null | grep -c '^ckpt-[0-9]*[.]agc$')" -ge 2 ] || fail "fewer than two checkpoints after 60 s"
start=$(date +%s%N)
ip -n "$NETNS_NS2" link set dev "$NETNS_VETH2" down
echo "link $NETNS_VETH2 on $NETNS_NS2 down"
restart_ms=
while kill -0 "$job" 2>/dev/null; do
  if [ -z "$restart_ms" ] && grep -q '^allgrad launch: restart 1:' launch.err; then
    restart_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  fi
  sleep 0.1
done
wait "$job"
rc=$?
echo "--- launch's log:"; grep -E '^allgrad( launch)?: ' launch.err
grep -E "resumed from|^note|^done" launch.out
[ "$rc" -eq 0 ] || fail "launch exited $rc"
[ -n "$restart_ms" ] || fail "no restart"
echo "restart began $((restart_ms / 1000)).$(printf %03d $((restart_ms % 1000))) s after the cut (limit $LIMIT s)"
[ "$restart_ms" -lt $((LIMIT * 1000)) ] || fail "the restart began more than $LIMIT s after the cut"
grep -q "^allgrad launch: the job failed after .*cause: lost host(s): $NETNS_NS2\$" launch.err ||
  fail "the restart's cause does not name the lost host $NETNS_NS2"
grep -q '^allgrad launch: restart 1: 1 rank(s) on 198.18.0.1 (1)$' launch.err || fail "the restart is not one rank on 198.18.0.1"
grep -qF -- "--np 1 instead of 2 (--reproducible: --batch-size 64, the global batch of 64 kept)" launch.err ||
  fail "launch did not keep the global batch on the restart"
"$AG" diff "$NETNS_WORK/straight/ckpt-00$STEPS.agc" "$NETNS_WORK/ck/ckpt-00$STEPS.agc" >diff.out 2>&1 ||
  { grep -v " equal" diff.out | head; fail "the restarted run's final checkpoint is not bitwise the uninterrupted one's"; }
at=$(sed -n 's/.*resumed from .* at step \([0-9]*\).*/\1/p' launch.out launch.err | head -n 1)
[ -n "$at" ] && [ "$at" -ge 20 ] || fail "the restart did not resume from a checkpoint of step 20 or later"
grep -qF "done: $STEPS steps" launch.out || fail "the restarted job did not reach step $STEPS"
grep -q '^allgrad launch: the job finished after 1 restart(s)$' launch.err || fail "launch did not report the finish"
for _ in $(seq 30); do [ -z "$(ip netns pids "$NETNS_NS1")" ] && break; sleep 0.1; done  # the abort watcher's exit
left1=$(ip netns pids "$NETNS_NS1")
[ -z "$left1" ] || fail "processes left behind on $NETNS_NS1: $(ps -o pid=,args= -p "${left1//$'\n'/,}")"
cut_step=$(sed -n "s/.*rank 0 (on [^)]*): collective '[^']*' (#[0-9]*) at step \([0-9]*\).*/\1/p" launch.err | head -n 1)
redone=$((cut_step > at ? cut_step - at : 0))
echo "time lost: $((restart_ms / 1000)).$(printf %03d $((restart_ms % 1000))) s from the cut to the restart, and $redone steps redone (cut at step $cut_step, resumed from $at)"
echo "launch_netcut: ok"
