#!/usr/bin/env bash
# allgrad report rendered by headless Chromium: the page loads without console
# errors, the rendered DOM holds every plot with one point per metrics line, and the
# screenshot is written to OUT_PNG (kept by CI). Skipped (exit 77) without Chromium.
# usage: report_render.sh ALLGRAD MPIEXEC OUT_PNG
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
PNG=$3
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "no chromium: skipped"; exit 77; }
[ -n "$MPIEXEC" ] || { echo "no mpiexec: skipped"; exit 77; }
cd "$AG_TMP" || exit 1

mkdir a b
# Run a stops after 8 steps and resumes from its checkpoint: the report marks the
# checkpoints and the restart.
A=(--model mlp:784,32,10 --data synthetic:2000 --epochs 3 --threads 1 --quiet --log-every 4 --metrics a/metrics.jsonl
   --checkpoint-dir a --checkpoint-every 8)
run "$MPIEXEC" --oversubscribe -np 2 "$AG" train "${A[@]}" --max-steps 8
expect_ok "run a, first part" || finish
run "$MPIEXEC" --oversubscribe -np 2 "$AG" train "${A[@]}" --resume auto
expect_ok "run a, resumed" || finish
run "$MPIEXEC" --oversubscribe -np 2 "$AG" train --model mlp:784,64,10 --data synthetic:2000 --epochs 3 --threads 1 --quiet \
  --log-every 4 --lr 1e-3 --metrics b/metrics.jsonl
expect_ok "run b" || finish
run "$AG" report a b -o report.html
expect_ok "report" || finish

CHROME=("$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$AG_TMP/profile" --enable-logging=stderr --v=0)
rm -f "$PNG"
timeout 90 "${CHROME[@]}" --screenshot="$PNG" --window-size=1200,2000 "file://$AG_TMP/report.html" >shot.out 2>shot.err
[ -s "$PNG" ] || die "chromium wrote no screenshot: $(tail -n 5 shot.err)"
timeout 90 "${CHROME[@]}" --dump-dom "file://$AG_TMP/report.html" >dom.html 2>dom.err
[ -s dom.html ] || die "chromium dumped no DOM: $(tail -n 5 dom.err)"
if grep -E "Uncaught|ERROR:CONSOLE|:CONSOLE\(|Failed to load resource" shot.err dom.err; then fail "console errors while rendering"; fi

python3 - dom.html "$PNG" a/metrics.jsonl <<'PY' || fail "the rendered page"
import struct, sys
from html.parser import HTMLParser
class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lines = {}
        self.segments = 0
        self.marks = {}
        self.hists = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "hist" in a.get("class", ""):
            self.hists.append([])
        if tag == "rect" and a.get("class") == "bin":
            self.hists[-1].append(int(a["data-count"]))
        if "data-mark" in a:
            self.marks[a["data-mark"]] = self.marks.get(a["data-mark"], 0) + 1
        if tag == "polyline":
            self.lines[(a["data-run"], a["data-series"])] = len(a["points"].split())
        if tag == "rect" and a.get("class") == "segment":
            self.segments += 1
p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
for run in ("a", "b"):
    for s in ("loss", "loss-smoothed", "lr", "samples_per_s"):
        assert p.lines[(run, s)] == 12, (run, s, p.lines)
    assert p.lines[(run, "test_accuracy")] == 3, p.lines
assert p.segments == 2 * 2 * 6, p.segments
import json
saves = {json.loads(l)["checkpoint"]["step"] for l in open(sys.argv[3]) if '"checkpoint"' in l}
assert len(saves) >= 6 and 8 in saves, saves
assert p.marks == {"checkpoint": len(saves), "restart": 1}, (p.marks, saves)
# Run a's directory holds its checkpoints: the histograms of the model's four tensors.
assert [sum(h) for h in p.hists] == [32 * 784, 32, 10 * 32, 10], [sum(h) for h in p.hists]
assert all(len(h) == 20 for h in p.hists), p.hists
png = open(sys.argv[2], "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", png[16:24])
assert (w, h) == (1200, 2000), (w, h)
# A blank page compresses to a few kilobytes; charts, tables and text do not.
assert len(png) > 50000, len(png)
print("rendered:", w, "x", h, len(png), "bytes")
PY
finish
