#!/usr/bin/env bash
# expect_failure.sh SECONDS PATTERN COMMAND...: COMMAND must exit non-zero within
# SECONDS and print PATTERN (extended regex) on stdout or stderr.
limit=$1 pattern=$2
shift 2
start=$(date +%s%N)
out=$(timeout -s KILL $((limit + 30)) "$@" 2>&1)
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
elapsed="$((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000)))"
echo "$out" | tail -n 20
echo "exit code $rc after ${elapsed}s (limit ${limit}s)"
[ "$rc" -ne 0 ] || { echo "FAIL: exited 0"; exit 1; }
[ "$rc" -ne 137 ] || { echo "FAIL: hung until killed"; exit 1; }
[ "$elapsed_ms" -lt $((limit * 1000)) ] || { echo "FAIL: took longer than ${limit}s"; exit 1; }
echo "$out" | grep -Eq "$pattern" || { echo "FAIL: output lacks /$pattern/"; exit 1; }
echo "ok"
