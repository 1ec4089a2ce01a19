#!/usr/bin/env bash
# The whole training loop over 20,000 steps (data loader epochs, AdamW, cosine
# schedule, metrics lines, a checkpoint every 2,000 steps) keeps a flat resident
# set: VmRSS of the running process, sampled after each log line, may not grow by
# more than 8 MiB from its peak over steps 2,000-4,000 (after warm-up and the first
# checkpoint) to its peak over the rest of the run. Noise is under 2 MiB.
# usage: rss_soak.sh ALLGRAD
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
cd "$AG_TMP" || exit 1
STEPS=20000
WARM=$((STEPS / 10))
LIMIT_KIB=$((8 * 1024))

: >run.out  # the loop below reads it before the run has opened it
"$AG" train --model mlp:32,64,10 --data synthetic:2048 --batch-size 32 --epochs 100000 --max-steps "$STEPS" \
  --log-every $((STEPS / 40)) --threads 1 --eval-every 0 --checkpoint-dir ck --checkpoint-every $((STEPS / 10)) \
  --metrics m.jsonl >run.out 2>run.err &
pid=$!
base=0 peak=0 last_step=0 samples=0
# Bash builtins only in the loop (read, regex), so sampling barely disturbs the run.
while kill -0 "$pid" 2>/dev/null; do
  line=""
  while IFS= read -r l; do line=$l; done <run.out
  if [[ $line =~ ^step\ ([0-9]+) ]]; then
    step=${BASH_REMATCH[1]}
    if [ "$step" -ne "$last_step" ] && [ "$step" -ge "$WARM" ]; then
      rss=""
      while read -r key value _; do
        [ "$key" = "VmRSS:" ] && rss=$value
      done <"/proc/$pid/status" 2>/dev/null
      if [ -n "$rss" ]; then
        if [ "$step" -le $((2 * WARM)) ]; then
          [ "$rss" -gt "$base" ] && base=$rss
        else
          [ "$rss" -gt "$peak" ] && peak=$rss
          samples=$((samples + 1))
        fi
      fi
    fi
    last_step=$step
  fi
  sleep 0.002
done
wait "$pid"
RC=$?
OUT=run.out ERR=run.err
expect_ok "$STEPS-step run" && contains run.out "done: $STEPS steps" "$STEPS-step run"
[ "$base" -gt 0 ] && [ "$samples" -ge 5 ] || die "too few RSS samples ($samples) after the warm-up (the run was too quick to sample?)"
echo "VmRSS peak over steps $WARM-$((2 * WARM)): $base KiB; peak over $samples samples from there to step $STEPS: $peak KiB; growth $((peak - base)) KiB"
[ $((peak - base)) -le "$LIMIT_KIB" ] || fail "resident set grew by $((peak - base)) KiB (from $base to $peak KiB) over $STEPS steps"
finish
