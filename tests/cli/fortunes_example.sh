#!/usr/bin/env bash
# examples/fortunes_train_epoch.cpp (the seed's train_epoch with lengths) on three small
# hand-made collections: it trains, the loss falls, and it reports a test accuracy.
# usage: fortunes_example.sh EXAMPLE
source "$(dirname "$0")/lib.sh"
EX=$(readlink -f "$1")
cd "$AG_TMP" || exit 1
mkdir fort
for c in 0 1 2; do
  for i in $(seq 80); do
    n=$(( (i * 7 + c * 5) % 45 + 3 ))
    case $c in 0) w="ab " ;; 1) w="xyz" ;; 2) w="q. " ;; esac
    printf '%s%.0s' $(seq $n | sed "s/.*/${w:$((i % 3)):1}/") | head -c $n
    printf '%d\n%%\n' "$i"
  done > "fort/c$c"
done
run "$EX" fort 4 c0,c1,c2
expect_ok "example run" || finish
contains "$OUT" "training and" "data line"
first=$(sed -n 's/^Epoch 0: training loss \([0-9.]*\).*/\1/p' "$OUT")
last=$(sed -n 's/^Epoch 3: training loss \([0-9.]*\).*/\1/p' "$OUT")
[ -n "$first" ] && [ -n "$last" ] || die "no epoch lines: $(cat "$OUT")"
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }' || fail "training loss did not fall: $first → $last"
contains "$OUT" "test accuracy" "accuracy"
finish
