#!/usr/bin/env bash
# The test split of an IDX folder: one that holds no images counts as none (the
# start-up line says so, and no accuracy is reported, which would read 0).
# usage: data_splits.sh ALLGRAD
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
cd "$AG_TMP" || exit 1

mkdir empty_test
# Two 2x2 images (labels 0, 1) to train on; a t10k pair of 0 images.
printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02\x01\x02\x03\x04\x05\x06\x07\x08' >empty_test/train-images-idx3-ubyte
printf '\x00\x00\x08\x01\x00\x00\x00\x02\x00\x01' >empty_test/train-labels-idx1-ubyte
printf '\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x02' >empty_test/t10k-images-idx3-ubyte
printf '\x00\x00\x08\x01\x00\x00\x00\x00' >empty_test/t10k-labels-idx1-ubyte

run "$AG" train --model mlp:4,8,3 --data idx:empty_test --epochs 2 --threads 1
expect_ok "training with an empty test split"
contains "$OUT" "no test data: empty_test/t10k-images-idx3-ubyte holds 0 examples" "start-up line"
if grep -qi "accuracy" "$OUT"; then fail "an accuracy was reported for an empty test set: $(grep -i accuracy "$OUT" | head -n 2)"; fi

finish
