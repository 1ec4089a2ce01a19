# Helpers shared by the allgrad end-to-end scripts: a temporary folder removed on
# exit, failure reporting, and runners that record exit code, stdout and stderr.
set -u
AG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/allgrad-cli.XXXXXX")
trap 'rm -rf "$AG_TMP"' EXIT
AG_FAILURES=0

# fail MESSAGE: records a failure and goes on, so one run reports every broken case.
fail() {
  echo "FAIL: $*" >&2
  AG_FAILURES=$((AG_FAILURES + 1))
}

# die MESSAGE: a failure later steps depend on.
die() {
  echo "FAIL: $*" >&2
  exit 1
}

# run CMD...: runs under `timeout 60`, leaving $RC, $OUT (stdout file), $ERR (stderr file).
OUT=$AG_TMP/last.out
ERR=$AG_TMP/last.err
run() {
  timeout 60 "$@" >"$OUT" 2>"$ERR"
  RC=$?
}

# show: the last command's output, for failure messages.
show() {
  echo "--- stdout:"; head -c 2000 "$OUT"; echo "--- stderr:"; head -c 2000 "$ERR"
}

# expect_ok WHAT: the last command exited 0.
expect_ok() {
  if [ "$RC" -ne 0 ]; then fail "$1: exit code $RC, expected 0"; show >&2; return 1; fi
}

# contains FILE TEXT WHAT: FILE holds TEXT (fixed string).
contains() {
  if ! grep -qF -- "$2" "$1"; then fail "$3: output lacks '$2'"; show >&2; return 1; fi
}

# finish: the exit code for ctest.
finish() {
  if [ "$AG_FAILURES" -ne 0 ]; then echo "$AG_FAILURES check(s) failed" >&2; exit 1; fi
  echo "all checks passed"
  exit 0
}

# A Python interpreter (with NumPy when some interpreter has it), or empty.
find_python() {
  local want_numpy=$1 p
  for p in python3 /usr/bin/python3; do
    command -v "$p" >/dev/null 2>&1 || continue
    if [ "$want_numpy" = numpy ]; then
      "$p" -c 'import numpy' >/dev/null 2>&1 && { echo "$p"; return; }
    else
      "$p" -c 'import json' >/dev/null 2>&1 && { echo "$p"; return; }
    fi
  done
}
