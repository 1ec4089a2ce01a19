#!/usr/bin/env bash
# examples/resumable_training: a user's own loop that stops after k steps and is
# started again ends with the same parameters, bit for bit, as one run straight
# through; on one rank and, with DDP built from the module, on two.
# usage: resumable_example.sh EXAMPLE [MPIEXEC]
source "$(dirname "$0")/lib.sh"
EX=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1

# same_as_straight LAUNCH...: k = 7 (mid-epoch), 15 (an epoch's end: 15 batches of 16), 22.
same_as_straight() {
  local label=$1; shift
  run "$@" "$EX" straight 30
  expect_ok "$label: straight to 30" || return
  local want
  want=$(tail -1 "$OUT")
  case "$want" in "step 30 epoch "*) ;; *) fail "$label: unexpected output '$want'"; return ;; esac
  for k in 7 15 22; do
    rm -rf "stopped$k"
    run "$@" "$EX" "stopped$k" "$k"
    expect_ok "$label: to $k" || continue
    run "$@" "$EX" "stopped$k" 30
    expect_ok "$label: $k then 30" || continue
    contains "$OUT" "resumed at step $k" "$label: $k then 30"
    [ "$(tail -1 "$OUT")" = "$want" ] || fail "$label: stopped at $k and resumed: '$(tail -1 "$OUT")', straight: '$want'"
  done
  rm -rf straight stopped*
}

same_as_straight "1 rank" env
if [ -n "$MPIEXEC" ]; then
  same_as_straight "2 ranks" "$MPIEXEC" --oversubscribe -n 2
fi
finish
