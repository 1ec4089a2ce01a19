"""Results of vs-pytorch.sh: one record per run in, medians, ratios and goals out.

  aggregate.py record RAW --workload W --mode M --side S --log LOG [--rss RSSFILE] [--meta k=v ...]
      reads the run's output (a "... N samples/s" summary line, or a JSON line for
      checkpoints) and its peak RSS in KiB (GNU time's %M), appends one JSON line to RAW.
  aggregate.py summarize RAW [--table FILE]
      prints one JSON line per workload and mode (medians over runs, ratios), then one per
      goal of the performance issue; with --table, writes the same as a Markdown table.

Python standard library only."""
import argparse
import json
import re
import statistics
import sys
from collections import OrderedDict

SUMMARY = re.compile(r"done: (\d+) steps in [0-9.]+ s, ([0-9.]+) samples/s")
SIDES = ("allgrad", "pytorch", "limit")


def parse_log(text):
    """The figures of one run: {"samples_per_s": x} or the checkpoint JSON object."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            return json.loads(line)
    for line in text.splitlines():
        m = SUMMARY.search(line)
        if m:
            return {"samples_per_s": float(m.group(2)), "steps": int(m.group(1))}
    raise ValueError("no 'done: N steps in T s, S samples/s' line and no JSON line in the output")


def parse_rss_kib(text):
    """GNU time -f %M writes the peak RSS in KiB on the last line (after any warnings)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines or not lines[-1].isdigit():
        raise ValueError(f"no peak RSS figure in {text!r}")
    return int(lines[-1])


def record(a):
    with open(a.log) as f:
        rec = parse_log(f.read())
    if a.rss:
        with open(a.rss) as f:
            rec["rss_MiB"] = round(parse_rss_kib(f.read()) / 1024, 1)
    meta = dict(kv.split("=", 1) for kv in a.meta)
    out = OrderedDict(workload=a.workload, mode=a.mode, side=a.side)
    out.update({k: (int(v) if v.isdigit() else v) for k, v in meta.items()})
    out.update(rec)
    with open(a.raw, "a") as f:
        f.write(json.dumps(out) + "\n")


def median_of(runs, key):
    vals = [r[key] for r in runs if key in r]
    return statistics.median(vals) if vals else None


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


METRICS = ("samples_per_s", "save_MBps", "load_MBps", "save_fsync_MBps", "rss_MiB")
PHASES = ("save_capture_ms", "save_write_ms", "load_read_ms", "load_restore_ms")  # checkpoint_roundtrip's split
META_SKIP = set(METRICS) | set(PHASES) | {"workload", "mode", "side", "steps", "file_MB", "verified", "reps"}


def summarize_rows(records):
    """One row per (workload, mode), in the order first seen."""
    groups = OrderedDict()
    for r in records:
        groups.setdefault((r["workload"], r["mode"]), []).append(r)
    rows = []
    for (workload, mode), recs in groups.items():
        row = OrderedDict(workload=workload, mode=mode)
        row.update({k: v for k, v in recs[0].items() if k not in META_SKIP})
        by_side = {s: [r for r in recs if r["side"] == s] for s in SIDES}
        if mode != "fair" and not by_side["limit"]:  # the limit runs once, in the fair mode
            by_side["limit"] = [r for r in records if r["workload"] == workload and r["side"] == "limit"]
        for metric in METRICS:
            for s in SIDES:
                m = median_of(by_side[s], metric)
                if m is not None:
                    row.setdefault(metric, OrderedDict())[s] = round(m, 1) if metric == "rss_MiB" else round(m)
            if metric in row:
                fig = row[metric]
                ratios = OrderedDict(
                    (k, v) for k, v in (("allgrad/pytorch", ratio(fig.get("allgrad"), fig.get("pytorch"))),
                                        ("allgrad/limit", ratio(fig.get("allgrad"), fig.get("limit"))),
                                        ("pytorch/limit", ratio(fig.get("pytorch"), fig.get("limit"))))
                    if v is not None)
                if ratios:
                    row[metric + "_ratio"] = ratios
        for p in PHASES:
            m = median_of(by_side["allgrad"], p)
            if m is not None:
                row.setdefault("allgrad_phases_ms", OrderedDict())[p[:-3]] = round(m, 1)
        row["runs"] = {s: len(v) for s, v in by_side.items() if v}
        verified = [r["verified"] for r in recs if "verified" in r]
        if verified:
            row["verified"] = all(verified)
            row["file_MB"] = recs[0].get("file_MB")
        rows.append(row)
    return rows


def goals(rows):
    """The issue's goals, measured in the fair mode: (goal, measured, target, met)."""
    fair = {r["workload"]: r for r in rows if r["mode"] == "fair"}

    def fig(workload, side, metric="samples_per_s"):
        return fair.get(workload, {}).get(metric, {}).get(side)

    out = []

    def goal(name, measured, target):
        out.append(OrderedDict(goal=name, measured=None if measured is None else round(measured, 3), target=target,
                               met=None if measured is None else measured >= target))

    for b in (32, 64, 256):
        goal(f"MLP b{b} 1 thread: allgrad / limit", ratio(fig(f"mlp-b{b}-t1", "allgrad"), fig(f"mlp-b{b}-t1", "limit")), 0.9)
    for b in (32, 64):
        goal(f"MLP b{b} 1 thread: allgrad / PyTorch", ratio(fig(f"mlp-b{b}-t1", "allgrad"), fig(f"mlp-b{b}-t1", "pytorch")), 2.0)
    for w in ("mlp-b32", "mlp-b64", "mlp-b256", "convnet-b64"):
        goal(f"{w}: allgrad 2 threads / 1 thread", ratio(fig(w + "-t2", "allgrad"), fig(w + "-t1", "allgrad")),
             1.5 if w == "mlp-b256" else 1.0)
    for t in (1, 2):
        goal(f"ConvNet b64 {t} thread(s): allgrad / PyTorch",
             ratio(fig(f"convnet-b64-t{t}", "allgrad"), fig(f"convnet-b64-t{t}", "pytorch")), 1.0)
    goal("DDP 2x64: allgrad / limit (MPI)", ratio(fig("ddp-2x64", "allgrad"), fig("ddp-2x64", "limit")), 0.9)
    goal("DDP 2x64: allgrad / PyTorch DDP gloo", ratio(fig("ddp-2x64", "allgrad"), fig("ddp-2x64", "pytorch")), 5.0)
    goal("DDP 2x64: allgrad / allgrad 1 rank b64", ratio(fig("ddp-2x64", "allgrad"), fig("mlp-b64-t1", "allgrad")), 1.8)
    for m in ("save_MBps", "load_MBps"):
        goal(f"checkpoint {m.split('_')[0]}: allgrad / PyTorch", ratio(fig("checkpoint", "allgrad", m), fig("checkpoint", "pytorch", m)), 1.5)
    for w, r in fair.items():
        rss = r.get("rss_MiB", {})
        if "samples_per_s" in r and "allgrad" in rss and "pytorch" in rss:  # training runs
            # lower is better: the goal is allgrad <= 0.5 x PyTorch, i.e. PyTorch / allgrad >= 2
            goal(f"{w}: peak RSS PyTorch / allgrad", ratio(rss["pytorch"], rss["allgrad"]), 2.0)
    return out


def table(rows, goal_rows):
    lines = ["| workload | mode | allgrad | PyTorch | limit | allgrad/PyTorch | allgrad/limit | peak RSS MiB allgrad / PyTorch |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        rss = r.get("rss_MiB", {})
        rss_cell = f"{rss.get('allgrad', '–')} / {rss.get('pytorch', '–')}" if rss else "–"
        metrics = ["samples_per_s"] if "samples_per_s" in r else ["save_MBps", "load_MBps"]
        for m in metrics:
            f, q = r[m], r.get(m + "_ratio", {})
            name = r["workload"] + ("" if m == "samples_per_s" else f" {m.split('_')[0]} MB/s")
            lines.append(f"| {name} | {r['mode']} | {f.get('allgrad', '–')} | {f.get('pytorch', '–')} | {f.get('limit', '–')} | "
                         f"{q.get('allgrad/pytorch', '–')} | {q.get('allgrad/limit', '–')} | {rss_cell} |")
    lines += ["", "| goal (fair mode) | measured | target | met |", "|---|---|---|---|"]
    for g in goal_rows:
        met = {True: "yes", False: "**no**", None: "–"}[g["met"]]
        lines.append(f"| {g['goal']} | {g['measured'] if g['measured'] is not None else '–'} | ≥ {g['target']} | {met} |")
    return "\n".join(lines) + "\n"


def summarize(a):
    with open(a.raw) as f:
        records = [json.loads(ln) for ln in f if ln.strip()]
    rows = summarize_rows(records)
    goal_rows = goals(rows)
    for r in rows + goal_rows:
        print(json.dumps(r))
    if a.table:
        with open(a.table, "w") as f:
            f.write(table(rows, goal_rows))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("raw")
    r.add_argument("--workload", required=True)
    r.add_argument("--mode", required=True)
    r.add_argument("--side", required=True, choices=SIDES)
    r.add_argument("--log", required=True)
    r.add_argument("--rss")
    r.add_argument("--meta", nargs="*", default=[])
    s = sub.add_parser("summarize")
    s.add_argument("raw")
    s.add_argument("--table")
    a = p.parse_args(argv)
    try:
        record(a) if a.cmd == "record" else summarize(a)
    except (OSError, ValueError) as e:
        sys.exit(f"aggregate.py {a.cmd}: {e}")


if __name__ == "__main__":
    main()
