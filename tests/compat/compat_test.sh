#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds tests/compat/programs as a
# separate C++-only project against it, and runs each program for a few steps.
# The Fashion-MNIST programs need Debian's dataset-fashion-mnist package.
set -euo pipefail
build=$1 src=$2
data=${AG_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >"$tmp/configure.log" 2>&1 ||
  { cat "$tmp/configure.log"; fail "configuring the programs against the installed allgrad"; }
cmake --build "$tmp/build" -j2 >"$tmp/build.log" 2>&1 || { grep -B2 -A8 "error" "$tmp/build.log" | head -150; fail "building the programs"; }

echo "== regression"
out=$("$tmp/build/regression")
echo "$out"
loss=$(sed -n 's/^Loss: \([^ ]*\) after.*/\1/p' <<<"$out")
awk -v l="$loss" 'BEGIN { exit !(l != "" && l < 1e-3) }' || fail "regression did not converge: '$loss'"

echo "== autograd"
out=$("$tmp/build/autograd")
echo "$out"
grep -qx "custom matches built-in: true" <<<"$out" || fail "the custom LinearFunction's gradients differ from the built-in ops'"
grep -qx "weight grad accumulated: false" <<<"$out" || fail "autograd::grad accumulated into .grad"
grep -q "tensor(\[5.5000, 5.5000\])" <<<"$out" || fail "MulConstant's gradient is not 5.5"
for name in AddBackward0 MulBackward0 MeanBackward0 SumBackward0; do
  grep -qx "$name" <<<"$out" || fail "grad_fn name $name missing"
done

if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
  echo "skipped the Fashion-MNIST programs: $data is missing (apt-get install dataset-fashion-mnist)"
  exit 77
fi

echo "== mnist (100 batches)"
out=$("$tmp/build/mnist" "$data" 100)
echo "$out"
acc=$(sed -n 's/.*Accuracy: \([0-9.]*\).*/\1/p' <<<"$out")
awk -v a="$acc" 'BEGIN { exit !(a != "" && a > 0.3) }' || fail "mnist test accuracy '$acc' after 100 batches (expected > 0.3; chance is 0.1)"

echo "== dcgan (10 batches, then 5 more from its checkpoint)"
cd "$tmp"
"$tmp/build/dcgan" "$data" 10 >"$tmp/dcgan1.txt" || { cat "$tmp/dcgan1.txt"; fail "dcgan exited with an error"; }
cat "$tmp/dcgan1.txt"
for f in generator-checkpoint.pt generator-optimizer-checkpoint.pt discriminator-checkpoint.pt \
         discriminator-optimizer-checkpoint.pt dcgan-sample-1.pt dcgan-sample-2.pt; do
  [ -s "$f" ] || fail "dcgan did not write $f"
done
out=$("$tmp/build/dcgan" "$data" 5 --restore)
echo "$out"
grep -qx "Restored from checkpoint" <<<"$out" || fail "dcgan did not restore"
echo "all programs ran"
