#!/usr/bin/env bash
# allgrad report: a real 2-rank run's metrics (and a hand-written older file without
# configuration or timings) drawn as one self-contained HTML page, checked by parsing
# it: each polyline has one point per metrics line, the legend names every run, the
# time breakdown has a bar segment per rank and phase, nothing is fetched. Then the
# errors: a missing file, a line that is not JSON, usage errors.
# usage: report.sh ALLGRAD [MPIEXEC]
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1
[ -n "$MPIEXEC" ] || { echo "no mpiexec: skipped"; exit 77; }

# 2000 examples over 2 ranks, 64 per rank per step: 16 steps an epoch, 48 in all, a line every 4.
mkdir run
run "$MPIEXEC" --oversubscribe -np 2 "$AG" train --model mlp:784,32,10 --data synthetic:2000 --epochs 3 --threads 1 --quiet \
  --log-every 4 --checkpoint-dir run --metrics run/metrics.jsonl
expect_ok "2-rank run" || finish
# An older file: no configuration, no timings; steps 3 and 5 skipped.
cat > old.jsonl <<'J'
{"step": 1, "epoch": 0, "loss": 2.3, "lr": 0.01, "samples_per_s": 1000, "skipped_steps": 0}
{"step": 2, "epoch": 0, "loss": 2.1, "lr": 0.01, "samples_per_s": 1100, "skipped_steps": 0}
{"step": 3, "epoch": 0, "loss": 2.1, "lr": 0.01, "samples_per_s": 1100, "skipped_steps": 1}
{"step": 4, "epoch": 0, "loss": 1.9, "lr": 0.01, "samples_per_s": 1200, "skipped_steps": 1}
{"step": 5, "epoch": 1, "loss": 1.8, "lr": 0.01, "samples_per_s": 1250, "skipped_steps": 2}

{"step": 5, "epoch": 1, "loss": 1.85, "lr": 0.01, "samples_per_s": 1250, "skipped_steps": 2, "test_accuracy": 0.5}
J
run "$AG" report run -o one.html
expect_ok "report of the run directory" && contains "$OUT" "report of 1 run written to one.html" "report summary"
run "$AG" report run/metrics.jsonl old.jsonl -o two.html
expect_ok "report of two runs"

python3 - one.html two.html <<'PY' || fail "the report's HTML"
import sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []  # (tag, attrs)
        self.text = []
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
    def handle_data(self, d):
        self.text.append(d)

def read(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    p.close()
    return p

def polylines(p):
    out = {}
    for tag, a in p.tags:
        if tag == "polyline":
            pts = a["points"].split()
            assert all(len(xy.split(",")) == 2 for xy in pts), a
            out[(a["data-run"], a["data-series"])] = len(pts)
    return out

def self_contained(p):
    for tag, a in p.tags:
        for k in ("src", "href"):
            v = a.get(k, "")
            assert not v or not ("//" in v or v.startswith(("http", "data:", "file:"))), (tag, a)
        assert tag not in ("link", "iframe", "img", "object", "embed"), tag
        assert not (tag == "script" and "src" in a), a

one, two = read(sys.argv[1]), read(sys.argv[2])
for p in (one, two):
    self_contained(p)
    assert any(t == "style" for t, _ in p.tags), "no stylesheet"
    assert "@media print" in open(sys.argv[1]).read()
lines = polylines(one)
for series in ("loss", "loss-smoothed", "lr", "samples_per_s"):
    assert lines[("run", series)] == 12, (series, lines)
assert lines[("run", "test_accuracy")] == 3, lines
segments = [a for t, a in one.tags if t == "rect" and a.get("class") == "segment"]
assert sorted({a["data-bar"] for a in segments}) == ["rank 0", "rank 1"], segments
assert len(segments) == 12, len(segments)
text = " ".join(one.text)
for want in ("mlp:784,32,10", "synthetic:2000", "world_size", "comm wait", "OpenBLAS"):
    assert want in text, want
# Two runs: both in the legend, both drawn; the older file's repeated step 5 is one point.
legend = [d for d in two.text if d.strip()]
runs = [a.get("class") for t, a in two.tags if t == "span"].count("run")
assert runs == 2, runs
assert "run/metrics.jsonl" in legend and "old.jsonl" in legend, legend
lines = polylines(two)
assert lines[("run/metrics.jsonl", "loss")] == 12 and lines[("old.jsonl", "loss")] == 5, lines
assert lines[("old.jsonl", "test_accuracy")] == 1, lines
marks = [a for t, a in two.tags if t == "path" and a.get("data-mark") == "skipped"]
assert len(marks) == 2, marks  # steps 3 and 5
assert "holds no configuration line" in " ".join(two.text)
print("report structure ok")
PY

# ---- errors
run "$AG" report missing.jsonl -o x.html
[ "$RC" -eq 1 ] || fail "missing file: exit $RC, expected 1"
contains "$ERR" "metrics file 'missing.jsonl': cannot open" "missing file"
printf '{"step": 1, "loss": 1, "lr": 1, "samples_per_s": 1, "skipped_steps": 0}\n\nnot json\n' > bad.jsonl
run "$AG" report bad.jsonl -o x.html
[ "$RC" -eq 1 ] || fail "non-JSON line: exit $RC, expected 1"
contains "$ERR" "bad.jsonl:3: invalid JSON" "non-JSON line named with its number"
printf '{"step": 1}\n' > short.jsonl
run "$AG" report short.jsonl -o x.html
[ "$RC" -eq 1 ] || fail "line without loss: exit $RC, expected 1"
contains "$ERR" "short.jsonl:1: a metrics line needs \"loss\" as a number" "line without loss"
mkdir empty
run "$AG" report empty -o x.html
[ "$RC" -eq 1 ] || fail "directory without metrics: exit $RC, expected 1"
contains "$ERR" "'empty' is a directory without a metrics.jsonl" "directory without metrics"
[ ! -e x.html ] || fail "a failed report left x.html behind"
run "$AG" report run
[ "$RC" -eq 2 ] || fail "no -o: exit $RC, expected 2"
contains "$ERR" "no -o FILE.html given" "no -o"
run "$AG" report -o x.html
[ "$RC" -eq 2 ] || fail "no RUN: exit $RC, expected 2"
run "$AG" report run -o x.html --bogus
[ "$RC" -eq 2 ] || fail "unknown option: exit $RC, expected 2"
contains "$ERR" "unknown option --bogus" "unknown option"
run "$AG" report --help
expect_ok "report --help" && contains "$OUT" "metrics.jsonl" "report --help names the directory's file"
finish
