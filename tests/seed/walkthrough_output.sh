#!/usr/bin/env bash
# examples/seed_walkthrough prints what the seed notes' "Auto Grad" section prints,
# in the same order: print(x.grad) "returns 12", then, after x is used twice,
# "returns 24 = 12 + 12".
set -uo pipefail
out=$("$1") || { echo "FAIL: $1 exited with $?"; exit 1; }
want=$'tensor([12.])\ntensor([24.])'
got=$(printf '%s\n' "$out" | head -n 2)
if [ "$got" != "$want" ]; then
  echo "FAIL: the walkthrough's first two lines should be the notes' gradients 12 and 24"
  echo "--- expected"; echo "$want"; echo "--- got"; echo "$got"
  exit 1
fi
echo "ok: 12 then 24, as in the notes"
