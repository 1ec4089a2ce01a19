"""Results of the GPT comparisons (gpt_parity.sh, vs-llmc.sh). Python standard library only.

  gpt_results.py losses --torch LOSSES.txt --allgrad METRICS.jsonl [--tol 1e-4]
      the per-step losses of both sides (torch_gpt.py --log: "step loss" lines; allgrad's
      --metrics with --log-every 1) side by side with their relative difference; exits 1
      when a step is missing on either side or the largest difference exceeds --tol.
  gpt_results.py record RAW --side llmc|pytorch|allgrad --log LOG [--rss RSS] [--tokens-per-step N]
                 [--warmup 3] [--window 5] [--meta k=v ...]
      one run's speed: from the per-step times in its output (llm.c's "step N: train loss X
      (took Y ms)" lines, torch_gpt.py's summary, allgrad's metrics file given as --log),
      the first --warmup steps left out, the rest cut in windows of --window steps;
      appends one JSON line to RAW: median, min and max tokens/s over the windows, peak RSS.
  gpt_results.py summarize RAW [--table FILE]
      medians over the runs of each (workload, variant) and the ratios allgrad/llm.c and
      allgrad/PyTorch per workload; a Markdown table.
"""
import argparse
import json
import re
import statistics
import sys
from collections import OrderedDict

LLMC_STEP = re.compile(r"^step (\d+): train loss ([-0-9.naif]+) \(took ([0-9.]+) ms\)")
PHASES = ("data_ms", "forward_ms", "backward_ms", "comm_wait_ms", "optim_ms")


def torch_losses(path):
    out = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                s, v = line.split()
                out[int(s)] = float(v)
    return out


def allgrad_steps(path):
    """{step: metrics record} of the per-step records (those with phase timings; the
    end-of-epoch records repeat a step number with the epoch's mean loss)."""
    steps = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            if "step" not in r or "loss" not in r:
                continue
            if "forward_ms" in r or r["step"] not in steps:
                steps[r["step"]] = r
    return steps


def cmd_losses(a):
    ref = torch_losses(a.torch)
    ours = {s: r["loss"] for s, r in allgrad_steps(a.allgrad).items()}
    worst, bad = 0.0, []
    print(f"{'step':>5} {'PyTorch':>12} {'allgrad':>12} {'rel diff':>10}")
    for s in sorted(ref):
        if s not in ours:
            print(f"{s:>5} {ref[s]:>12.7f} {'missing':>12}")
            bad.append(s)
            continue
        d = abs(ours[s] - ref[s]) / max(abs(ref[s]), 1e-12)
        worst = max(worst, d)
        flag = "  <-- over" if d > a.tol else ""
        print(f"{s:>5} {ref[s]:>12.7f} {ours[s]:>12.7f} {d:>10.2e}{flag}")
    extra = sorted(set(ours) - set(ref))
    ok = not bad and worst <= a.tol and ref
    print(f"max relative difference {worst:.3e} over {len(ref) - len(bad)} steps (tolerance {a.tol:g})"
          + (f"; steps missing in allgrad's metrics: {bad}" if bad else "")
          + (f"; allgrad ran more steps: {extra[:5]}" if extra else ""))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def step_seconds(side, text):
    """Per-step seconds in step order, from a run's output."""
    if side == "llmc":
        return [float(m.group(3)) / 1000 for m in map(LLMC_STEP.match, text.splitlines()) if m]
    if side == "pytorch":
        return [float(m.group(1)) / 1000 for m in re.finditer(r"^step \d+: loss \S+ \(took ([0-9.]+) ms\)", text, re.M)]
    if side == "allgrad":
        steps = allgrad_steps_text(text)
        return [sum(r.get(k, 0.0) for k in PHASES) / 1000 for _, r in sorted(steps.items())]
    raise ValueError(side)


def allgrad_steps_text(text):
    steps = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            if "step" in r and "forward_ms" in r:
                steps[r["step"]] = r
    return steps


def parse_rss_kib(text):
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines or not lines[-1].isdigit():
        raise ValueError(f"no peak RSS figure in {text!r}")
    return int(lines[-1])


def cmd_record(a):
    with open(a.log) as f:
        text = f.read()
    secs = step_seconds(a.side, text)
    if len(secs) <= a.warmup:
        raise SystemExit(f"{a.log}: {len(secs)} timed steps in the output, need more than {a.warmup} (is this a {a.side} log?)")
    timed = secs[a.warmup:]
    w = max(1, min(a.window, len(timed)))
    windows = [a.tokens_per_step * w / sum(timed[i:i + w]) for i in range(0, len(timed) - w + 1, w)]
    rec = OrderedDict(side=a.side)
    rec.update(dict(kv.split("=", 1) for kv in a.meta))
    rec.update(tokens_per_s=round(statistics.median(windows), 1), min=round(min(windows), 1),
               max=round(max(windows), 1), windows=len(windows), steps=len(secs))
    if a.rss:
        with open(a.rss) as f:
            rec["rss_MiB"] = round(parse_rss_kib(f.read()) / 1024, 1)
    with open(a.raw, "a") as f:
        f.write(json.dumps(rec) + "\n")
    print(json.dumps(rec))
    return 0


def fmt(v):
    return "–" if v is None else f"{v:,.0f}"


def cmd_summarize(a):
    recs = [json.loads(ln) for ln in open(a.raw) if ln.strip()]
    groups = OrderedDict()
    for r in recs:
        groups.setdefault((r["workload"], r["variant"]), []).append(r)
    rows = []
    for (workload, variant), rs in groups.items():
        tps = [r["tokens_per_s"] for r in rs]
        rows.append(OrderedDict(
            workload=workload, variant=variant, side=rs[0]["side"], threads=rs[0].get("threads", ""),
            runs=len(rs), tokens_per_s=round(statistics.median(tps), 1),
            run_min=round(min(tps), 1), run_max=round(max(tps), 1),
            window_min=round(min(r["min"] for r in rs), 1), window_max=round(max(r["max"] for r in rs), 1),
            rss_MiB=statistics.median([r["rss_MiB"] for r in rs]) if all("rss_MiB" in r for r in rs) else None))
    for row in rows:
        print(json.dumps(row))
    # Ratios: allgrad at T threads against llm.c at T threads and against PyTorch's best
    # variant at T threads, per workload.
    ratios = []
    for workload in OrderedDict((r["workload"], 1) for r in rows):
        for t in OrderedDict((r["threads"], 1) for r in rows if r["workload"] == workload):
            same = [r for r in rows if r["workload"] == workload and r["threads"] == t]
            ag = [r for r in same if r["side"] == "allgrad"]
            lc = [r for r in same if r["side"] == "llmc"]
            pt = [r for r in same if r["side"] == "pytorch"]
            best_pt = max(pt, key=lambda r: r["tokens_per_s"]) if pt else None
            rr = OrderedDict(workload=workload, threads=t)
            if ag and lc:
                rr["allgrad_over_llmc"] = round(ag[0]["tokens_per_s"] / lc[0]["tokens_per_s"], 3)
            if ag and best_pt:
                rr["allgrad_over_pytorch_best"] = round(ag[0]["tokens_per_s"] / best_pt["tokens_per_s"], 3)
                rr["pytorch_best"] = best_pt["variant"]
            if len(rr) > 2:
                ratios.append(rr)
                print(json.dumps({"ratio": rr}))
    if a.table:
        with open(a.table, "w") as f:
            f.write("| workload | side | variant | threads | tokens/s (median) | runs: min–max | windows: min–max | peak RSS MiB |\n")
            f.write("|---|---|---|---|---|---|---|---|\n")
            for r in rows:
                f.write(f"| {r['workload']} | {r['side']} | {r['variant']} | {r['threads']} | {fmt(r['tokens_per_s'])} | "
                        f"{fmt(r['run_min'])}–{fmt(r['run_max'])} | {fmt(r['window_min'])}–{fmt(r['window_max'])} | "
                        f"{'–' if r['rss_MiB'] is None else r['rss_MiB']} |\n")
            if ratios:
                f.write("\n| workload | threads | allgrad / llm.c (goal ≥ 3) | allgrad / PyTorch's best (goal ≥ 1.5) |\n")
                f.write("|---|---|---|---|\n")
                for rr in ratios:
                    pt = rr.get("allgrad_over_pytorch_best")
                    pt_text = "–" if pt is None else f"{pt} (against {rr['pytorch_best']})"
                    f.write(f"| {rr['workload']} | {rr['threads']} | {rr.get('allgrad_over_llmc', '–')} | {pt_text} |\n")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("losses")
    s.add_argument("--torch", required=True)
    s.add_argument("--allgrad", required=True)
    s.add_argument("--tol", type=float, default=1e-4)
    s = sub.add_parser("record")
    s.add_argument("raw")
    s.add_argument("--side", required=True, choices=["llmc", "pytorch", "allgrad"])
    s.add_argument("--log", required=True)
    s.add_argument("--rss")
    s.add_argument("--tokens-per-step", type=int, required=True)
    s.add_argument("--warmup", type=int, default=3)
    s.add_argument("--window", type=int, default=5)
    s.add_argument("--meta", nargs="*", default=[])
    s = sub.add_parser("summarize")
    s.add_argument("raw")
    s.add_argument("--table")
    a = p.parse_args()
    return {"losses": cmd_losses, "record": cmd_record, "summarize": cmd_summarize}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
