#!/usr/bin/env bash
# The --metrics line written at an epoch's end: its samples_per_s is the training's,
# measured before the evaluation began, so a test set far larger than the training
# set does not drag it down.
# usage: epoch_metrics.sh ALLGRAD
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
cd "$AG_TMP" || exit 1

# An IDX folder: 40 training images, 60000 test images (evaluation takes far longer than training).
python3 - <<'PY'
import os, random, struct
random.seed(0)
os.makedirs("idx", exist_ok=True)
def write(prefix, n):
    with open(f"idx/{prefix}-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + os.urandom(n * 784))
    with open(f"idx/{prefix}-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + bytes(random.randrange(10) for _ in range(n)))
write("train", 40)
write("t10k", 60000)
PY

run "$AG" train --model mlp:784,512,10 --data idx:idx --epochs 1 --batch-size 20 --log-every 1 --threads 1 --quiet --metrics m.jsonl
expect_ok "train on idx with a large test set" || finish
python3 - m.jsonl <<'PY' || fail "epoch-end samples_per_s counts the evaluation"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert "config" in lines[0], lines[0]
lines = lines[1:]
steps = [l for l in lines if "test_accuracy" not in l]
epoch = [l for l in lines if "test_accuracy" in l]
assert len(steps) == 2 and len(epoch) == 1, lines
# The epoch's figure covers both steps; it may differ from the last step's by noise, not by the evaluation's time.
ratio = epoch[0]["samples_per_s"] / steps[-1]["samples_per_s"]
print("epoch/last-step samples_per_s:", ratio)
sys.exit(0 if 0.3 < ratio < 3 else 1)
PY
finish
