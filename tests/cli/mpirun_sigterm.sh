#!/usr/bin/env bash
# SIGTERM to mpirun while a checkpoint is being written: Open MPI forwards it to the
# ranks and kills them shortly after if they are still busy, so the stop must be
# announced, with how to resume, the moment the signal arrives; and the next run
# resumes from the last complete checkpoint and removes the killed save's leftover.
# usage: mpirun_sigterm.sh ALLGRAD MPIEXEC
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1
[ -n "$MPIEXEC" ] || { echo "no mpiexec: skipped"; exit 77; }

# ~240 MB a checkpoint (parameters and Adam's two moments), one after every step.
ARGS=(train --model mlp:784,4096,4096,10 --data synthetic:400 --batch-size 10 --threads 1 --quiet
      --checkpoint-dir ck --checkpoint-every 1 --max-steps 30)
"$MPIEXEC" --oversubscribe -n 2 "$AG" "${ARGS[@]}" >run.out 2>run.err &
launcher=$!
# Wait for a complete checkpoint and then a later save in progress (its temporary file),
# then stop the launcher: the stop must leave the complete one to resume from. (Stopping
# during the very first save leaves nothing to resume, which a slow build can hit.)
saving() { compgen -G "ck/ckpt-*.agc" >/dev/null && compgen -G "ck/.ckpt-*.tmp-*" >/dev/null; }
for _ in $(seq 1 1200); do
  if saving; then break; fi
  sleep 0.05
done
saving || { kill -KILL $launcher; die "no save in progress after a complete checkpoint seen"; }
kill -TERM $launcher
wait $launcher
rc=$?
echo "mpirun exit $rc; stderr:"; cat run.err
[ "$rc" -ne 0 ] || fail "mpirun exited 0 after SIGTERM"
grep -qF "signal received: stopping after the current step and its checkpoint; resume with: allgrad train <same flags> --resume auto --checkpoint-dir ck" run.err ||
  fail "no stop notice with the resume hint on stderr"
# Whatever was cut short, the latest checkpoint is whole and resuming continues from it.
run "$AG" inspect ck --verify
expect_ok "the latest checkpoint verifies after the stop"
run "$MPIEXEC" --oversubscribe -n 2 "$AG" "${ARGS[@]}" --max-steps 0 --resume auto
expect_ok "resuming after the stop"
compgen -G "ck/.ckpt-*.tmp-*" >/dev/null && fail "the killed save's temporary file is still there after the next run"
finish
