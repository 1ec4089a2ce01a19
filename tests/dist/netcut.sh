#!/usr/bin/env bash
# Network cut: `allgrad train` on two namespace hosts (scripts/netns-hosts.sh), one
# rank each, checkpointing every 10 steps into a shared folder; once checkpoints
# exist the veth link is taken down. The job must end non-zero within the collective
# timeout plus a margin, the surviving rank must name the collective, the step and
# the unreachable rank and its host, no process may be left in either namespace, the
# latest checkpoint must verify, and a plain `allgrad train --resume auto` on host 1
# must continue from it to the end.
#
# The kernel's TCP settings are left as they are. Open MPI's mpirun (4.1) relays the
# abort to every node's daemon and waits for each to confirm; a daemon behind a cut
# link would be given up only when TCP stops retransmitting to it (net.ipv4.tcp_retries2,
# about 15 minutes with Linux's default 15). What ends the job promptly is the
# surviving rank's abort watcher (libdist/src/launcher_watch.h): 10 s after its
# MPI_Abort it sends mpirun SIGTERM. The lost host's own rank does the same to its
# daemon, so the second namespace empties too (checked a little later).
#   netcut.sh ALLGRAD          (root only; exits 77 = skipped otherwise)
set -uo pipefail
AG=$(readlink -f "${1:?usage: netcut.sh ALLGRAD}")
source "$(dirname "$0")/../../scripts/netns-hosts.sh" netcut
TIMEOUT=20          # --collective-timeout
LIMIT=50            # + the diagnosis grace (5 s here), the abort watcher's 10 s and mpirun's exit
fail() { echo "FAIL: $*"; exit 1; }

netns_hosts_up
echo "net.ipv4.tcp_retries2 = $(ip netns exec "$NETNS_NS1" sysctl -n net.ipv4.tcp_retries2) (not changed)"
cd "$NETNS_WORK" || exit 1
export AG_NUM_THREADS=1
FLAGS=(--model mlp:784,32,10 --data synthetic:2000 --epochs 100000 --threads 1
       --checkpoint-dir "$NETNS_WORK/ck" --checkpoint-every 10 --keep 2)
on_host1 timeout -s KILL $((LIMIT + 30)) "${NETNS_MPIRUN[@]}" -np 2 -x AG_NUM_THREADS \
  "$AG" train "${FLAGS[@]}" --quiet --collective-timeout "$TIMEOUT" >train.out 2>train.err &
job=$!
for _ in $(seq 1200); do
  [ "$(ls ck 2>/dev/null | grep -c '^ckpt-[0-9]*[.]agc$')" -ge 2 ] && break  # step 20 or later
  kill -0 "$job" 2>/dev/null || { cat train.err; fail "training ended before any checkpoint"; }
  sleep 0.05
done
[ "$(ls ck 2>/dev/null | grep -c '^ckpt-[0-9]*[.]agc$')" -ge 2 ] || fail "fewer than two checkpoints after 60 s"
start=$(date +%s%N)
ip -n "$NETNS_NS2" link set dev "$NETNS_VETH2" down
echo "link $NETNS_VETH2 on $NETNS_NS2 down"
wait "$job"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "--- stderr of the job (allgrad's lines, then the last lines):"; grep '^allgrad' train.err; tail -n 4 train.err
echo "mpirun exit code $rc, $((ms / 1000)).$(printf %03d $((ms % 1000))) s after the cut (limit ${LIMIT} s)"
[ "$rc" -ne 0 ] || fail "the job exited 0"
[ "$rc" -ne 137 ] || fail "the job hung until killed"
[ "$ms" -lt $((LIMIT * 1000)) ] || fail "the job took longer than ${LIMIT} s to end"
grep -Eq "rank 0 \(on [^)]+\): collective '[^']+' \(#[0-9]+\) at step [0-9]+ made no progress.*did not arrive.*: 1 \(on $NETNS_NS2\)" train.err ||
  fail "the survivor's message does not name the collective, the step and rank 1 on $NETNS_NS2"
grep -q "^allgrad: lost host: $NETNS_NS2 " train.err || fail "no 'allgrad: lost host: $NETNS_NS2' line"
# The abort watcher ends with mpirun (it polls mpirun's pidfd): allow it a moment to go.
for _ in $(seq 30); do [ -z "$(ip netns pids "$NETNS_NS1")" ] && break; sleep 0.1; done
left1=$(ip netns pids "$NETNS_NS1")
[ -z "$left1" ] || fail "processes left behind on $NETNS_NS1: $(ps -o pid=,args= -p "${left1//$'\n'/,}")"
# Behind the cut: the rank there timed out too, and its watcher ends its daemon.
for _ in $(seq 150); do [ -z "$(ip netns pids "$NETNS_NS2")" ] && break; sleep 0.1; done
left2=$(ip netns pids "$NETNS_NS2")
[ -z "$left2" ] || fail "processes left behind on $NETNS_NS2: $(ps -o pid=,args= -p "${left2//$'\n'/,}")"
echo "$NETNS_NS2 empty $(( ($(date +%s%N) - start) / 1000000 )) ms after the cut"

latest=$(ls ck/ckpt-*.agc | sort | tail -n 1)
"$AG" inspect --verify "$latest" || fail "the latest checkpoint $latest does not verify"
at=$(basename "$latest" .agc)
at=$((10#${at#ckpt-}))
target=$((at + 25))
on_host1 timeout 60 "$AG" train "${FLAGS[@]}" --resume auto --max-steps "$target" >resume.out 2>&1 ||
  { cat resume.out; fail "resuming on one host failed"; }
grep -qF "resumed from $NETNS_WORK/ck/$(basename "$latest") at step $at" resume.out ||
  { cat resume.out; fail "the resumed run did not start from $latest"; }
grep -qF "done: $target steps" resume.out || { cat resume.out; fail "the resumed run did not reach step $target"; }
cut_step=$(sed -n "s/.*rank 0 (on [^)]*): collective '[^']*' (#[0-9]*) at step \([0-9]*\).*/\1/p" train.err | head -n 1)
redone=$((cut_step > at ? cut_step - at : 0))  # a cut in the checkpoint's own barrier loses nothing
echo "resumed on one host from step $at to $target (the cut came at step $cut_step: $redone steps redone)"
echo "netcut: ok"
