#!/usr/bin/env bash
# When mpirun is killed outright (SIGKILL: it can tell no one), no rank outlives it:
# each ends with its launcher instead of training on or waiting in a collective,
# one of them stopped at the time.
# usage: launcher_gone.sh ALLGRAD MPIEXEC
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1
[ -n "$MPIEXEC" ] || { echo "no mpiexec: skipped"; exit 77; }

tag="launcher-gone-$$"
for round in 1 2 3; do
  "$MPIEXEC" --oversubscribe -n 2 "$AG" train --model mlp:784,64,10 --data synthetic:20000 --batch-size 10 --epochs 1000 \
    --threads 1 --quiet --collective-timeout 600 --checkpoint-dir "$tag-$round" >/dev/null 2>&1 &
  launcher=$!
  ranks=""
  for _ in $(seq 1 100); do
    ranks=$(pgrep -f -- "--checkpoint-dir $tag-$round" | grep -vx "$launcher" | tr '\n' ' ')
    [ "$(echo $ranks | wc -w)" -ge 2 ] && break
    sleep 0.1
  done
  [ "$(echo $ranks | wc -w)" -ge 2 ] || { kill -KILL $launcher; die "round $round: the ranks did not start"; }
  sleep 1
  [ "$round" -eq 3 ] && kill -STOP $(echo $ranks | awk '{print $2}')  # a rank that cannot react
  kill -KILL $launcher
  wait $launcher 2>/dev/null
  left=""
  for _ in $(seq 1 50); do
    left=$(pgrep -f -- "--checkpoint-dir $tag-$round" | tr '\n' ' ')
    [ -z "$left" ] && break
    sleep 0.1
  done
  if [ -n "$left" ]; then
    fail "round $round: rank process(es) $left outlived mpirun by 5 s"
    kill -KILL $left 2>/dev/null
  fi
done
finish
