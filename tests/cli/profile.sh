#!/usr/bin/env bash
# --profile FILE: a Chrome trace-event file with complete events for forward ops,
# backward nodes, each rank's gradient-bucket exchanges on its communication thread,
# and the step's phases (data wait, optimizer step, checkpoint save); pid = rank.
# usage: profile.sh ALLGRAD [MPIEXEC]
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1
FLAGS=(--model mlp:784,32,10 --data synthetic:2000 --epochs 1 --threads 1 --quiet --max-steps 4 --checkpoint-every 2)

check() {  # check FILE RANKS
  python3 - "$1" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
ranks = int(sys.argv[2])
events = doc["traceEvents"]
complete = [e for e in events if e["ph"] == "X"]
for e in complete:
    assert isinstance(e["name"], str) and e["name"], e
    assert all(isinstance(e[k], (int, float)) for k in ("ts", "dur", "pid", "tid")), e
    assert e["dur"] >= 0 and e["ts"] >= 0, e
assert sorted({e["pid"] for e in complete}) == list(range(ranks)), {e["pid"] for e in complete}
names = [m["args"]["name"] for m in events if m["ph"] == "M" and m["name"] == "process_name"]
assert names == [f"rank {r}" for r in range(ranks)], names
for r in range(ranks):
    mine = [e for e in complete if e["pid"] == r]
    def count(name, cat):
        return sum(1 for e in mine if e["name"] == name and e["cat"] == cat)
    # 4 steps of Linear, ReLU, Linear, loss; each op's backward node; the step phases.
    assert count("Linear", "op") == 8 and count("Relu", "op") == 4 and count("CrossEntropyLoss", "op") == 4, mine
    assert count("LinearBackward0", "backward") == 8 and count("ReluBackward0", "backward") == 4, mine
    for phase in ("data wait", "forward", "backward", "optimizer step"):
        assert count(phase, "step") == 4, phase
    assert count("checkpoint save", "step") == 2
    main = {e["tid"] for e in mine if e["cat"] in ("op", "backward", "step")}
    assert len(main) == 1, main
    if ranks > 1:
        buckets = [e for e in mine if e["cat"] == "comm" and e["name"].startswith("DDP allreduce of bucket")]
        assert len(buckets) == 4, buckets
        assert {e["tid"] for e in buckets}.isdisjoint(main), "bucket exchanges are not on their own thread"
    # Forward ops lie inside their step's forward phase.
    fwd = [e for e in mine if e["name"] == "forward"]
    for op in (e for e in mine if e["cat"] == "op"):
        assert any(f["ts"] - 1 <= op["ts"] and op["ts"] + op["dur"] <= f["ts"] + f["dur"] + 1 for f in fwd), op
print(len(complete), "events ok")
PY
}

mkdir c1 c2
run "$AG" train "${FLAGS[@]}" --checkpoint-dir c1 --profile one.json
expect_ok "one rank with --profile" && { check one.json 1 || fail "one-rank trace"; }
# The summary table (printed even with --quiet): rank 0's events by self time.
contains "$OUT" "--profile one.json: rank 0's events by self time" "the --profile table"
contains "$OUT" "LinearBackward0" "the --profile table's rows"
run "$AG" train "${FLAGS[@]}" --checkpoint-dir c1b
expect_ok "one rank without --profile"
[ ! -e one.json.tmp ] || fail "a temporary trace file was left behind"
run "$AG" train "${FLAGS[@]}" --profile missing/t.json
[ "$RC" -eq 1 ] || fail "--profile into a missing directory: exit $RC, expected 1"
contains "$ERR" "--profile 'missing/t.json': cannot create" "--profile into a missing directory"
if [ -n "$MPIEXEC" ]; then
  run "$MPIEXEC" --oversubscribe -np 2 "$AG" train "${FLAGS[@]}" --checkpoint-dir c2 --profile two.json
  expect_ok "two ranks with --profile" && { check two.json 2 || fail "two-rank trace"; }
  # Several buckets a step (bucket order is reverse registration order): each step
  # launches its first bucket while backward is still computing the first layer's
  # gradients, and the exchange itself runs alongside that computation.
  run "$MPIEXEC" --oversubscribe -np 2 "$AG" train --model mlp:784,512,512,10 --data synthetic:2000 --epochs 1 --threads 1 --quiet \
    --max-steps 6 --bucket-cap-mb 0.5 --profile overlap.json
  expect_ok "two ranks, small buckets" && python3 - overlap.json <<'PY' || fail "bucket exchanges overlapping backward"
import json, sys
events = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e["ph"] == "X"]
exchanges_overlapped = 0
for rank in (0, 1):
    mine = [e for e in events if e["pid"] == rank]
    phases = [e for e in mine if e["cat"] == "step" and e["name"] == "backward"]
    assert len(phases) == 6, len(phases)
    for step, ph in enumerate(phases):
        inside = lambda e: ph["ts"] <= e["ts"] <= ph["ts"] + ph["dur"]
        first = lambda name: min((e for e in mine if e["cat"] == "comm" and e["name"].startswith(name) and inside(e)), key=lambda e: e["ts"])
        launches = [e for e in mine if e["cat"] == "comm" and e["name"] == "DDP bucket launch" and inside(e)]
        assert len(launches) >= 3, f"rank {rank} step {step}: {len(launches)} bucket launches"
        last_compute = max(e["ts"] + e["dur"] for e in mine if e["cat"] == "backward" and inside(e))
        # The launch is the reducer's own doing, so it must happen in every step.
        assert first("DDP bucket launch")["ts"] < last_compute, f"rank {rank} step {step}: the first bucket was launched only after backward ended"
        # When the exchange starts also depends on the scheduler (two ranks, two
        # communication threads and other tests share the cores).
        exchanges_overlapped += first("DDP allreduce of bucket")["ts"] < last_compute
assert exchanges_overlapped >= 1, "no step on either rank began an exchange before its backward ended"
print(f"overlap ok: an exchange began before backward ended in {exchanges_overlapped} of 12 rank-steps")
PY
fi
finish
