#!/usr/bin/env bash
# Variable-length data end to end: --data fortunes:DIR and lines:FILES with the
# recurrent classifier (--model lstm:...), batches bucketed by length. A run stopped
# and resumed ends bitwise equal to one that was not; 2 ranks × 8 per step match
# 1 rank × 16; bad specs fail with one line. Small hand-made collections, not the
# fortunes package, so the test needs nothing installed.
# usage: sequence_data.sh ALLGRAD [MPIEXEC]
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1

# Three collections of up to 60 fortunes, lengths 3..40 (repeats are kept once), a different
# alphabet per class.
mkdir fort
for c in 0 1 2; do
  for i in $(seq 60); do
    n=$(( (i * 7 + c * 5) % 38 + 3 ))
    case $c in 0) ch=ab ;; 1) ch=xyz ;; 2) ch="q " ;; esac
    head -c $((n * 3)) /dev/zero | tr '\0' "${ch:0:1}" | fold -w 3 | paste -sd "${ch:1:1}" | cut -c 1-$n
    echo %
  done > "fort/c$c"
done
ln -s c0 fort/c0.u8
echo "index" > fort/c0.dat

M=lstm:embed=8,hidden=12,layers=2,bidirectional,cell=gru,classes=3
FLAGS=(--model "$M" --data fortunes:fort:classes=c0,c1,c2 --bucket-by-length --batch-size 16 --epochs 3 --threads 1 --quiet)

run "$AG" train "${FLAGS[@]}" --checkpoint-dir full --max-steps 20
expect_ok "uninterrupted run" && contains "$OUT" "done: 20 steps" "uninterrupted run"
run "$AG" train "${FLAGS[@]}" --checkpoint-dir part --max-steps 13
expect_ok "run stopped at step 13"
run "$AG" train "${FLAGS[@]}" --checkpoint-dir part --max-steps 20 --resume auto
expect_ok "resumed run"
run "$AG" diff full/ckpt-000020.agc part/ckpt-000020.agc
expect_ok "diff of uninterrupted and resumed runs (must be bitwise equal)" && contains "$OUT" "checkpoints are equal" "diff equal"

# The start-up line names the data; an epoch ends with a test accuracy.
run "$AG" train --model lstm:embed=8,hidden=12,layers=1,classes=3 --data fortunes:fort:classes=c0,c1,c2 --epochs 1 --threads 1
expect_ok "one epoch" && contains "$OUT" "fortunes c0,c1,c2 (fort)" "start-up line" && contains "$OUT" "test accuracy" "evaluation"

# lines: one example per line, label = file index.
printf 'one line\nanother line\nthird\n' > a.txt
printf 'x\ny y\nzzz\nw\n' > b.txt
run "$AG" train --model lstm:embed=4,hidden=4,layers=1,cell=rnn,classes=2 --data lines:a.txt,b.txt --batch-size 2 --epochs 1 --threads 1
expect_ok "lines data" && contains "$OUT" "done: " "lines run"

if [ -n "$MPIEXEC" ]; then
  ONE=(--model "$M" --data fortunes:fort:classes=c0,c1,c2 --bucket-by-length --epochs 1 --max-steps 4 --threads 1 --quiet)
  run "$AG" train "${ONE[@]}" --batch-size 16 --checkpoint-dir one
  expect_ok "1 rank × 16"
  run "$MPIEXEC" --oversubscribe -np 2 "$AG" train "${ONE[@]}" --batch-size 8 --checkpoint-dir two
  expect_ok "2 ranks × 8"
  run "$AG" diff one/ckpt-000004.agc two/ckpt-000004.agc --atol 1e-5
  expect_ok "2 ranks × 8 == 1 rank × 16 (atol 1e-5)"
fi

# Bad input: one line, exit 1 (data) or 2 (usage).
run "$AG" train --model "$M" --data fortunes:fort:classes=c0,nope --threads 1
[ "$RC" -eq 1 ] || fail "unknown collection: exit $RC, expected 1"
contains "$ERR" "no collection 'nope' in fort (there are: c0,c1,c2)" "unknown collection"
run "$AG" train --model mlp:4,3 --data synthetic:100 --bucket-by-length --threads 1
[ "$RC" -eq 2 ] || fail "--bucket-by-length on fixed-size data: exit $RC, expected 2"
contains "$ERR" "--bucket-by-length needs variable-length data" "--bucket-by-length on fixed-size data"
run "$AG" train --model lstm:embed=4,hidden=4 --data fortunes:fort --threads 1
[ "$RC" -eq 2 ] || fail "lstm without layers=: exit $RC, expected 2"
contains "$ERR" "lstm needs layers=" "lstm without layers="
finish
