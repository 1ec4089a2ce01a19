#!/usr/bin/env bash
# Where `allgrad export -o PATH` writes: a temporary beside PATH renamed into place,
# so a failed export leaves an existing PATH as it was and no partial file; what
# the command did not create (an existing file, a device node) is never removed.
# usage: export_output.sh ALLGRAD
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
cd "$AG_TMP" || exit 1

# A model whose weights (~10 KiB) exceed a 4 KiB file-size limit.
"$AG" train --model mlp:4,512,3 --data synthetic:20 --quiet --threads 1 --checkpoint-dir ck --max-steps 0 >/dev/null 2>&1 ||
  die "could not write a checkpoint to test with"

# leftovers WHAT: no temporary of the export is left in the folder.
leftovers() {
  local left
  left=$(find . -maxdepth 1 -name '.*.tmp-*')
  [ -z "$left" ] || fail "$1: temporary left behind: $left"
}

for fmt in npz safetensors; do
  # A failed export (file-size limit: the write fails with EFBIG) keeps the existing file.
  echo precious >"existing.$fmt"
  (ulimit -f 4; exec timeout 60 "$AG" export ck --format "$fmt" -o "existing.$fmt") >"$OUT" 2>"$ERR"
  RC=$?
  [ "$RC" -eq 1 ] || { fail "$fmt under a file-size limit: exit $RC, expected 1"; show >&2; }
  grep -qF "existing.$fmt" "$ERR" || { fail "$fmt under a file-size limit: the error does not name the file"; show >&2; }
  [ "$(cat "existing.$fmt" 2>/dev/null)" = precious ] || fail "$fmt: a failed export destroyed the existing file"
  leftovers "$fmt under a file-size limit"
  # A successful one replaces it.
  run "$AG" export ck --format "$fmt" -o "existing.$fmt"
  expect_ok "$fmt onto an existing file"
  [ "$(head -c 8 "existing.$fmt")" = precious ] && fail "$fmt: the existing file was not replaced"
  leftovers "$fmt"
done

# A device node is written to, not replaced, and never removed when the write fails:
# a private copy of /dev/full (making one needs root).
if [ "$(id -u)" -eq 0 ] && mknod full c 1 7 2>/dev/null; then
  run "$AG" export ck --format npz -o full
  [ "$RC" -eq 1 ] || { fail "export onto a full device: exit $RC, expected 1"; show >&2; }
  grep -qF "No space left on device" "$ERR" || { fail "export onto a full device: no OS error"; show >&2; }
  [ -c full ] || fail "a failed export removed the device node it was given"
  leftovers "export onto a device"
else
  echo "not root: the device node check is skipped"
fi
run "$AG" export ck --format npz -o /dev/null
expect_ok "export to /dev/null"
[ -c /dev/null ] || die "/dev/null is no longer a device"

finish
