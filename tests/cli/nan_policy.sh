#!/usr/bin/env bash
# Non-finite gradients: --nan-policy abort names the step, the rank and the first
# parameter; --nan-policy skip drops the step on every rank together, counts it in
# the summary and the metrics file, and leaves the parameters as they were;
# --detect-anomaly names the op. On 1 rank, and on 2 ranks when MPI is there.
# usage: nan_policy.sh ALLGRAD [MPIEXEC]
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1

# no_crash WHAT: the last run failed cleanly (exit 1, no signal, no sanitizer report).
no_crash() {
  if [ "$RC" -eq 0 ]; then fail "$1: succeeded, expected an error"; show >&2; return 1; fi
  if [ "$RC" -eq 124 ] || [ "$RC" -ge 128 ]; then fail "$1: hung or crashed (exit $RC)"; show >&2; return 1; fi
  if grep -qE "terminate called|Segmentation|AddressSanitizer|runtime error:" "$ERR"; then fail "$1: crash report on stderr"; show >&2; return 1; fi
}
# same_weights A B WHAT: the model tensors of checkpoints A and B are bitwise equal.
same_weights() {
  "$AG" export "$1" --format safetensors -o a.safetensors >/dev/null 2>&1 || { fail "$3: cannot export $1"; return; }
  "$AG" export "$2" --format safetensors -o b.safetensors >/dev/null 2>&1 || { fail "$3: cannot export $2"; return; }
  cmp -s a.safetensors b.safetensors || fail "$3: the weights of $1 and $2 differ"
}

# Eight rows of 4 features, 3 classes. Rows 2 and 3 (0-based) are step 2 both for one
# rank with 2 per step and for two ranks with 1 each (DistributedSampler without
# shuffling gives rank r the rows r, r+2, ...). Row 3's features are near the float
# maximum: the first layer's sums overflow to inf and the loss and gradients are NaN.
# Finite values, so the CSV reader (which refuses NaN and inf) takes them.
write_rows() {
  echo "a,b,c,d,label"
  echo "0.1,0.2,0.3,0.4,0"; echo "0.5,0.1,0.9,0.2,1"
  echo "0.3,0.8,0.2,0.6,2"; echo "$1,$1,$1,$1,1"
  echo "0.7,0.4,0.1,0.3,0"; echo "0.2,0.9,0.5,0.8,2"
  echo "0.6,0.3,0.7,0.1,1"; echo "0.4,0.6,0.2,0.9,0"
}
write_rows 3.4e38 >bad.csv
write_rows 0.35 >good.csv
# bad.csv without step 2's rows: what the run should see when step 2 is dropped.
sed '4,5d' bad.csv >without_step2.csv
ONE=(--model mlp:4,256,3 --epochs 1 --threads 1 --no-shuffle --optimizer sgd --momentum 0 --weight-decay 0
     --scheduler none --lr 0.1 --quiet --log-every 1)

# ---- abort (the default): step 2, rank 0, the first parameter
run "$AG" train "${ONE[@]}" --data csv:bad.csv --batch-size 2 --checkpoint-dir ab --checkpoint-every 1
no_crash "--nan-policy abort"
contains "$ERR" "non-finite gradient at step 2 on rank 0 (first parameter: 0.weight; loss nan)" "--nan-policy abort"
[ "$(grep -c . "$ERR")" -eq 1 ] || { fail "--nan-policy abort: expected one line on stderr"; show >&2; }
[ -f ab/ckpt-000001.agc ] || fail "--nan-policy abort: the checkpoint of step 1 is missing"
[ -e ab/ckpt-000002.agc ] && fail "--nan-policy abort: wrote a checkpoint of the bad step"
run "$AG" inspect --verify ab
expect_ok "inspect --verify after the abort" && contains "$OUT" "ckpt-000001.agc" "the latest checkpoint after the abort is step 1"

# ---- a diverging run (SGD with lr 1e38): the first step's update overflows the weights
DIVERGE=(--model mlp:784,32,10 --data synthetic:512 --batch-size 64 --epochs 1 --threads 1 --optimizer sgd
         --momentum 0 --weight-decay 0 --scheduler none --lr 1e38 --quiet)
run "$AG" train "${DIVERGE[@]}"
no_crash "diverging run"
contains "$ERR" "non-finite gradient at step 2 on rank 0 (first parameter: 0.weight" "diverging run, abort"
# skip: every later step is dropped, so the weights stay those after step 1.
run "$AG" train "${DIVERGE[@]}" --max-steps 1 --checkpoint-dir d1
expect_ok "diverging run, 1 step"
run "$AG" train "${DIVERGE[@]}" --max-steps 6 --checkpoint-dir d6 --nan-policy skip --metrics d6.jsonl --log-every 1
expect_ok "diverging run, skip" && contains "$OUT" "done: 6 steps" "diverging run, skip"
contains "$OUT" "5 steps skipped (non-finite gradients)" "diverging run, skip count in the summary"
same_weights d1/ckpt-000001.agc d6/ckpt-000006.agc "skipped steps must not change the parameters"
grep -v '"checkpoint"' d6.jsonl | tail -n 1 | grep -qF '"step": 6,' || fail "metrics: no line for step 6: $(tail -n 2 d6.jsonl)"
grep -v '"checkpoint"' d6.jsonl | tail -n 1 | grep -qF '"skipped_steps": 5' || fail "metrics: skipped_steps is not 5: $(grep -v '"checkpoint"' d6.jsonl | tail -n 1)"
# The first line is the run's configuration; the first step's line follows it.
grep -m 1 '"step":' d6.jsonl | grep -qF '"skipped_steps": 0' || fail "metrics: step 1 counts skipped steps: $(head -n 2 d6.jsonl)"
# The count is the run's, across a resume: stopped at step 3 (2 skipped), resumed to 6.
run "$AG" train "${DIVERGE[@]}" --max-steps 3 --checkpoint-dir r6 --nan-policy skip
expect_ok "diverging run, skip, stopped at step 3" && contains "$OUT" "2 steps skipped" "diverging run stopped at step 3"
run "$AG" train "${DIVERGE[@]}" --max-steps 6 --checkpoint-dir r6 --nan-policy skip --resume auto --metrics r6.jsonl --log-every 1
expect_ok "diverging run, skip, resumed" && contains "$OUT" "5 steps skipped (non-finite gradients)" "resumed run: skip count goes on"
grep -v '"checkpoint"' r6.jsonl | tail -n 1 | grep -qF '"skipped_steps": 5' || fail "resumed run: skipped_steps is not 5: $(grep -v '"checkpoint"' r6.jsonl | tail -n 1)"

# ---- skip on 1 rank: the run goes on; == the run that never saw step 2's rows
run "$AG" train "${ONE[@]}" --data csv:bad.csv --batch-size 2 --nan-policy skip --checkpoint-dir s1 --metrics s1.jsonl
expect_ok "--nan-policy skip" && contains "$OUT" "done: 4 steps" "--nan-policy skip"
contains "$OUT" "1 step skipped (non-finite gradients)" "--nan-policy skip: summary"
grep -qF '"skipped_steps": 1' s1.jsonl || fail "--nan-policy skip: metrics lack skipped_steps 1: $(cat s1.jsonl)"
run "$AG" train "${ONE[@]}" --data csv:without_step2.csv --batch-size 2 --checkpoint-dir w1
expect_ok "run without step 2's rows"
same_weights s1/ckpt-000004.agc w1/ckpt-000003.agc "1 rank: skipping step 2 == never seeing its rows"
# The comparison can fail: the bad rows replaced by good ones change the result.
run "$AG" train "${ONE[@]}" --data csv:good.csv --batch-size 2 --checkpoint-dir g1
"$AG" export g1/ckpt-000004.agc --format safetensors -o g.safetensors >/dev/null 2>&1
"$AG" export s1/ckpt-000004.agc --format safetensors -o s.safetensors >/dev/null 2>&1
cmp -s g.safetensors s.safetensors && fail "a run with good rows at step 2 ends with the same weights (the check proves nothing)"

# ---- --detect-anomaly: names the op, the step and the rank; changes no numbers
run "$AG" train "${ONE[@]}" --data csv:bad.csv --batch-size 2 --detect-anomaly
no_crash "--detect-anomaly"
contains "$ERR" "step 2 on rank 0: Anomaly detected in forward: '" "--detect-anomaly"
grep -qE "returned (inf|nan) values in its output of shape \[2, (256|3)\]" "$ERR" || { fail "--detect-anomaly: no op output named"; show >&2; }
contains "$ERR" "every input was finite, so this op produced them" "--detect-anomaly: blames the op, not its inputs"
run "$AG" train "${ONE[@]}" --data csv:good.csv --batch-size 2 --detect-anomaly --checkpoint-dir ga
expect_ok "--detect-anomaly on good data"
same_weights g1/ckpt-000004.agc ga/ckpt-000004.agc "--detect-anomaly must not change the result"

# ---- 2 ranks: row 3 is rank 1's at step 2
if [ -n "$MPIEXEC" ]; then
  MPI=("$MPIEXEC" --oversubscribe -np 2)
  run "${MPI[@]}" "$AG" train "${ONE[@]}" --data csv:bad.csv --batch-size 1
  [ "$RC" -ne 0 ] || fail "2 ranks, abort: succeeded"
  contains "$ERR" "non-finite gradient at step 2 on rank 1 (first parameter: 0.weight; loss nan there, finite on the other ranks)" \
    "2 ranks, abort names the rank whose data went bad"
  run "${MPI[@]}" "$AG" train "${ONE[@]}" --data csv:bad.csv --batch-size 1 --nan-policy skip --checkpoint-dir m1 --metrics m1.jsonl
  expect_ok "2 ranks, skip" && contains "$OUT" "done: 4 steps" "2 ranks, skip"
  contains "$OUT" "1 step skipped (non-finite gradients)" "2 ranks, skip: summary"
  grep -qF '"skipped_steps": 1' m1.jsonl || fail "2 ranks, skip: metrics lack skipped_steps 1"
  # Both ranks dropped the step: otherwise their weights would differ and DDP's averaged
  # gradients would no longer match this run without the rows.
  run "${MPI[@]}" "$AG" train "${ONE[@]}" --data csv:without_step2.csv --batch-size 1 --checkpoint-dir mw
  expect_ok "2 ranks, run without step 2's rows"
  same_weights m1/ckpt-000004.agc mw/ckpt-000003.agc "2 ranks: skipping step 2 == never seeing its rows"
  run "${MPI[@]}" "$AG" train "${ONE[@]}" --data csv:bad.csv --batch-size 1 --detect-anomaly
  [ "$RC" -ne 0 ] || fail "2 ranks, --detect-anomaly: succeeded"
  contains "$ERR" "step 2 on rank 1: Anomaly detected in forward" "2 ranks, --detect-anomaly names rank 1"
else
  echo "no mpiexec: 2-rank part skipped"
fi

finish
