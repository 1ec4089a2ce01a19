#!/usr/bin/env bash
# Per-rank step timings in --metrics: each logged step carries the phases' per-step
# averages, their max over ranks, each rank's figures and the slowest rank. A rank
# slowed on purpose in its data path must be named and its data_ms must stand out.
# The first line of the file is the run's configuration.
# usage: step_timings.sh ALLGRAD [MPIEXEC]
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1
FLAGS=(--model mlp:784,32,10 --data synthetic:2000 --epochs 1 --threads 1 --quiet --log-every 4 --max-steps 12)

# ---- one rank: every key, arrays of one
run "$AG" train "${FLAGS[@]}" --metrics one.jsonl
expect_ok "one rank"
python3 - one.jsonl <<'PY' || fail "one-rank metrics"
import json, sys
KEYS = ["data_ms", "forward_ms", "backward_ms", "comm_wait_ms", "optim_ms", "ckpt_ms"]
lines = [json.loads(l) for l in open(sys.argv[1])]
cfg = lines[0]["config"]
assert cfg["world_size"] == 1 and cfg["settings"]["model"] == "mlp:784,32,10" and cfg["version"] and cfg["blas"], cfg
steps = lines[1:]
assert [l["step"] for l in steps] == [4, 8, 12], steps
for l in steps:
    for k in KEYS:
        assert l[k] >= 0 and l["ranks"][k] == [l[k]], (k, l)
    assert l["slowest_rank"] == 0, l
    assert l["forward_ms"] > 0 and l["backward_ms"] > 0 and l["optim_ms"] > 0, l
PY

# ---- bad test settings are usage errors
AG_TEST_SLOW_DATA_RANK=x run "$AG" train "${FLAGS[@]}"
[ "$RC" -eq 2 ] || fail "AG_TEST_SLOW_DATA_RANK=x: exit $RC, expected 2"
contains "$ERR" "AG_TEST_SLOW_DATA_RANK is 'x', not a whole number of at least 0" "AG_TEST_SLOW_DATA_RANK=x"

# ---- two ranks, rank 1 sleeps 20 ms before each batch
if [ -n "$MPIEXEC" ]; then
  AG_TEST_SLOW_DATA_RANK=1 AG_TEST_SLOW_DATA_MS=20 run "$MPIEXEC" --oversubscribe -np 2 "$AG" train "${FLAGS[@]}" --metrics two.jsonl
  expect_ok "two ranks, rank 1 slow"
  python3 - two.jsonl <<'PY' || fail "two-rank metrics do not show rank 1's slow data"
import json, sys
KEYS = ["data_ms", "forward_ms", "backward_ms", "comm_wait_ms", "optim_ms", "ckpt_ms"]
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[0]["config"]["world_size"] == 2, lines[0]
steps = lines[1:]
assert len(steps) == 3, steps
for l in steps:
    for k in KEYS:
        assert len(l["ranks"][k]) == 2 and l[k] == max(l["ranks"][k]), (k, l)
    data = l["ranks"]["data_ms"]
    assert l["slowest_rank"] == 1, l
    assert data[1] >= 19 and data[1] > 5 * data[0], data
print("rank data_ms at the last logged step:", steps[-1]["ranks"]["data_ms"])
PY
fi
finish
