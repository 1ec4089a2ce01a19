#!/usr/bin/env bash
# End to end: a run stopped (by --max-steps or SIGTERM) and resumed with --resume auto
# ends bitwise equal to one that was not stopped, on 1 and 2 ranks and with the default
# thread count; then inspect,
# export and --init-weights on the checkpoints it wrote.
# usage: resume_e2e.sh ALLGRAD [MPIEXEC]
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1
# 2000 examples, 64 per step: 32 steps per epoch, so step 40 stops mid-epoch.
# Dropout makes the result depend on the random stream being restored too.
LOUD=(--model mlp:784,32,10:dropout=0.2 --data synthetic:2000 --epochs 3 --threads 1)
FLAGS=("${LOUD[@]}" --quiet)

# ---- stopped at step 40 by --max-steps, resumed to 80 == straight to 80
run "$AG" train "${FLAGS[@]}" --checkpoint-dir full --max-steps 80 --keep 1
expect_ok "uninterrupted run" && contains "$OUT" "done: 80 steps" "uninterrupted run"
[ -f full/ckpt-000080.agc ] || die "uninterrupted run wrote no full/ckpt-000080.agc"
# --keep 1: the older checkpoints are gone, hidden names included (but the writers' lock file), once the process has exited.
left=$(ls -A full | grep -vx -e 'ckpt-000080.agc' -e '.allgrad-lock' || true)
[ -z "$left" ] || die "full/ holds more than the latest checkpoint after the run: $left"
run "$AG" train "${FLAGS[@]}" --checkpoint-dir part --max-steps 40
expect_ok "run stopped at step 40" && contains "$OUT" "done: 40 steps" "run stopped at step 40"
[ -f part/ckpt-000040.agc ] || die "stopped run wrote no part/ckpt-000040.agc"
run "$AG" train "${LOUD[@]}" --checkpoint-dir part --max-steps 80 --resume auto
expect_ok "resumed run"
contains "$OUT" "resumed from part/ckpt-000040.agc at step 40 (epoch 1)" "resumed run"
run "$AG" diff full/ckpt-000080.agc part/ckpt-000080.agc
expect_ok "diff of uninterrupted and resumed checkpoints (must be bitwise equal)"
contains "$OUT" "checkpoints are equal" "diff equal"
# The comparison can fail: step 40 differs from step 80.
run "$AG" diff part/ckpt-000040.agc full/ckpt-000080.agc
[ "$RC" -eq 1 ] || fail "diff of different checkpoints: exit $RC, expected 1"
grep -qE "[1-9][0-9]* different" "$OUT" || fail "diff of different checkpoints reports no difference"

# ---- the default thread count (no --threads): large products (batch 256: 51M
# multiply-adds) may go to 2 threads, chosen by timing; where OpenBLAS's bits change
# with its thread count they must stay on one, or the resumed run (which times afresh)
# would not continue bitwise
BIG=(--model mlp:784,256,10 --data synthetic:4096 --batch-size 256 --epochs 3 --eval-every 0 --quiet)
run env -u AG_NUM_THREADS "$AG" train "${BIG[@]}" --checkpoint-dir big --max-steps 40
expect_ok "default threads, uninterrupted"
run env -u AG_NUM_THREADS "$AG" train "${BIG[@]}" --checkpoint-dir big-part --max-steps 20 && expect_ok "default threads, to step 20"
run env -u AG_NUM_THREADS "$AG" train "${BIG[@]}" --checkpoint-dir big-part --max-steps 40 --resume auto && expect_ok "default threads, resumed"
run "$AG" diff big/ckpt-000040.agc big-part/ckpt-000040.agc
expect_ok "default threads: the resumed run must be bitwise the uninterrupted one"

# ---- SIGTERM mid-training: exit 143, says how to resume, writes a checkpoint
LONG=(--model mlp:784,32,10:dropout=0.2 --data synthetic:2000 --epochs 100000 --eval-every 0 --threads 1 --quiet)
timeout 60 "$AG" train "${LONG[@]}" --checkpoint-dir sig >sig.out 2>sig.err &
pid=$!
# The first epoch-end checkpoint shows the loop (and its signal handler) is running.
for _ in $(seq 400); do
  compgen -G "sig/ckpt-*.agc" >/dev/null && break
  sleep 0.025
done
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 143 ] || fail "SIGTERM: exit code $rc, expected 143 (128 + 15)"
grep -qF "stopped by signal 15" sig.err || fail "SIGTERM: stderr lacks 'stopped by signal 15'"
grep -qF "resume with: allgrad train <same flags> --resume auto --checkpoint-dir sig" sig.err ||
  fail "SIGTERM: stderr does not say how to resume"
K=$(sed -n 's/^done: \([0-9]*\) steps.*/\1/p' sig.out)
[ -n "$K" ] || die "SIGTERM: no 'done: K steps' summary; stdout: $(cat sig.out) stderr: $(cat sig.err)"
CK=$(printf 'sig/ckpt-%06d.agc' "$K")
[ -f "$CK" ] || die "SIGTERM: no checkpoint $CK for the last step"
grep -qF "checkpoint $CK" sig.out || fail "SIGTERM: summary does not name $CK"
run "$AG" inspect --verify "$CK"
expect_ok "inspect --verify of the checkpoint written on SIGTERM"
# Resume it to K+20 steps and compare with a run that went there directly.
echo "SIGTERM stopped the run at step $K"
T=$((K + 20))
run "$AG" train "${LONG[@]}" --checkpoint-dir sig --resume auto --max-steps "$T"
expect_ok "resume after SIGTERM"
run "$AG" train "${LONG[@]}" --checkpoint-dir sigref --max-steps "$T"
expect_ok "uninterrupted run to step $T"
run "$AG" diff "$(printf 'sig/ckpt-%06d.agc' "$T")" "$(printf 'sigref/ckpt-%06d.agc' "$T")"
expect_ok "diff after SIGTERM + resume vs uninterrupted (stopped at step $K)"

# ---- the same under mpirun -np 2: 16 steps per epoch per rank, stop at 24, go to 40
if [ -n "$MPIEXEC" ]; then
  MPI=("$MPIEXEC" --oversubscribe -np 2)
  run "${MPI[@]}" "$AG" train "${FLAGS[@]}" --checkpoint-dir mfull --max-steps 40
  expect_ok "2-rank uninterrupted run"
  run "${MPI[@]}" "$AG" train "${FLAGS[@]}" --checkpoint-dir mpart --max-steps 24
  expect_ok "2-rank run stopped at step 24"
  run "${MPI[@]}" "$AG" train "${LOUD[@]}" --checkpoint-dir mpart --max-steps 40 --resume auto
  expect_ok "2-rank resumed run" && contains "$OUT" "resumed from mpart/ckpt-000024.agc at step 24" "2-rank resume"
  contains "$OUT" "2 ranks" "2-rank start-up line"
  run "$AG" diff mfull/ckpt-000040.agc mpart/ckpt-000040.agc
  expect_ok "diff of 2-rank uninterrupted and resumed checkpoints (must be bitwise equal)"
  run "$AG" inspect mfull/ckpt-000040.agc
  contains "$OUT" "world size 2" "2-rank checkpoint metadata"
  # A 2-rank checkpoint resumed by one process: allowed, and said.
  cp -r mpart mone
  run "$AG" train "${LOUD[@]}" --checkpoint-dir mone --max-steps 48 --resume auto
  expect_ok "2-rank checkpoint resumed on 1 rank" && contains "$OUT" "resumed from mone/ckpt-000040.agc at step 40" "1-rank resume"
  contains "$OUT" "note: the checkpoint was written by 2 rank(s), this run has 1: the rest of the epoch is spread over the ranks of this run" \
    "1-rank resume of a 2-rank checkpoint"
  # SIGTERM to mpirun reaches every rank: they agree on the step, save and say how to
  # resume (mpirun's own exit code is Open MPI's choice, so it is not checked).
  "${MPI[@]}" "$AG" train "${LONG[@]}" --checkpoint-dir msig >msig.out 2>msig.err &
  pid=$!
  for _ in $(seq 400); do
    compgen -G "msig/ckpt-*.agc" >/dev/null && break
    sleep 0.025
  done
  kill -TERM "$pid"
  wait "$pid"
  grep -qF "resume with: allgrad train <same flags> --resume auto --checkpoint-dir msig" msig.err ||
    fail "2-rank SIGTERM: stderr does not say how to resume: $(head -c 500 msig.err)"
  K=$(sed -n 's/^done: \([0-9]*\) steps.*/\1/p' msig.out)
  if [ -n "$K" ] && [ -f "$(printf 'msig/ckpt-%06d.agc' "$K")" ]; then
    T=$((K + 10))
    run "${MPI[@]}" "$AG" train "${LONG[@]}" --checkpoint-dir msig --resume auto --max-steps "$T"
    expect_ok "2-rank resume after SIGTERM"
    run "${MPI[@]}" "$AG" train "${LONG[@]}" --checkpoint-dir msigref --max-steps "$T"
    expect_ok "2-rank uninterrupted run to step $T"
    run "$AG" diff "$(printf 'msig/ckpt-%06d.agc' "$T")" "$(printf 'msigref/ckpt-%06d.agc' "$T")"
    expect_ok "diff after 2-rank SIGTERM + resume vs uninterrupted (stopped at step $K)"
  else
    fail "2-rank SIGTERM: no summary or no checkpoint of the last step: $(head -c 500 msig.out)"
  fi
else
  echo "no mpiexec: 2-rank part skipped"
fi

# ---- inspect
C=full/ckpt-000080.agc
run "$AG" inspect "$C"
expect_ok "inspect"
contains "$OUT" "mlp:784,32,10:dropout=0.2" "inspect: model spec"
contains "$OUT" "global step 80" "inspect: step"
contains "$OUT" "section 'model': 4 tensors" "inspect: model section"
run "$AG" inspect full
expect_ok "inspect of a directory" && contains "$OUT" "ckpt-000080.agc" "inspect of a directory picks the latest"
PY=$(find_python json)
run "$AG" inspect --json "$C"
expect_ok "inspect --json"
if [ -n "$PY" ]; then
  "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = d["meta"]
assert m["global_step"] == 80 and m["model_spec"] == "mlp:784,32,10:dropout=0.2", m
shapes = {t["name"]: t["shape"] for t in d["sections"]["model"]["tensors"]}
assert shapes == {"0.weight": [32, 784], "0.bias": [32], "3.weight": [10, 32], "3.bias": [10]}, shapes
' "$OUT" || fail "inspect --json: not JSON, or wrong content"
else
  head -c 1 "$OUT" | grep -qF "{" || fail "inspect --json does not start with {"
fi
run "$AG" inspect --verify "$C"
expect_ok "inspect --verify" && contains "$OUT" "OK" "inspect --verify"
cp "$C" corrupt.agc
size=$(stat -c %s corrupt.agc)
printf '\x5a' | dd of=corrupt.agc bs=1 seek=$((size / 2)) conv=notrunc status=none
cmp -s "$C" corrupt.agc && printf '\xa5' | dd of=corrupt.agc bs=1 seek=$((size / 2)) conv=notrunc status=none
run "$AG" inspect --verify corrupt.agc
[ "$RC" -eq 1 ] || fail "inspect --verify of a corrupted checkpoint: exit $RC, expected 1"
contains "$OUT" "INVALID" "inspect --verify of a corrupted checkpoint"

# ---- export
run "$AG" export "$C" --format safetensors -o w.safetensors
expect_ok "export safetensors"
run "$AG" export "$C" --format npz -o w.npz
expect_ok "export npz"
[ "$(head -c 4 w.npz | od -An -tx1 | tr -d ' \n')" = 504b0304 ] || fail "w.npz does not start with a zip header"
# safetensors: 8-byte little-endian header length, then a JSON header starting with {
[ "$(head -c 9 w.safetensors | tail -c 1)" = "{" ] || fail "w.safetensors: no JSON header after the length"
NPY=$(find_python numpy)
if [ -n "$NPY" ]; then
  "$NPY" -c '
import json, struct, sys
import numpy as np
want = {"0.weight": (32, 784), "0.bias": (32,), "3.weight": (10, 32), "3.bias": (10,)}
z = np.load(sys.argv[1])
got = {k: z[k].shape for k in z.files}
assert got == want, got
b = open(sys.argv[2], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
for k, shape in want.items():
    e = h[k]
    assert e["dtype"] == "F32" and tuple(e["shape"]) == shape, (k, e)
    lo, hi = e["data_offsets"]
    t = np.frombuffer(b[8 + n + lo:8 + n + hi], dtype="<f4").reshape(shape)
    assert np.array_equal(t, z[k]) and z[k].dtype == np.float32, k
' w.npz w.safetensors || fail "export: npz and safetensors do not hold the model's tensors"
elif [ -n "$PY" ]; then
  "$PY" -c '
import json, struct, sys, zipfile
names = sorted(zipfile.ZipFile(sys.argv[1]).namelist())
assert names == ["0.bias.npy", "0.weight.npy", "3.bias.npy", "3.weight.npy"], names
b = open(sys.argv[2], "rb").read()
h = json.loads(b[8:8 + struct.unpack("<Q", b[:8])[0]])
assert h["0.weight"]["shape"] == [32, 784], h
' w.npz w.safetensors || fail "export: wrong tensor names or shapes"
fi

# ---- --init-weights from the exported safetensors starts a new run from those weights
run "$AG" train "${LOUD[@]}" --init-weights w.safetensors --checkpoint-dir init --max-steps 0
expect_ok "train --init-weights" && contains "$OUT" "initial weights from w.safetensors" "train --init-weights"
run "$AG" export init/ckpt-000000.agc --format safetensors -o init.safetensors
expect_ok "export of the initial checkpoint"
cmp -s w.safetensors init.safetensors || fail "--init-weights: the new run's initial weights are not the exported ones"
run "$AG" train "${FLAGS[@]}" --checkpoint-dir fresh --max-steps 0
run "$AG" export fresh/ckpt-000000.agc --format safetensors -o fresh.safetensors
cmp -s w.safetensors fresh.safetensors && fail "a run without --init-weights starts from the same weights (the check above proves nothing)"
run "$AG" train "${FLAGS[@]}" --init-weights w.safetensors --checkpoint-dir init --max-steps 10 --resume auto
expect_ok "training on from --init-weights" && contains "$OUT" "done: 10 steps" "training on from --init-weights"

finish
