"""Results of vs-pytorch.sh: one record per run in, medians, ratios and goals out.

  aggregate.py record RAW --workload W --mode M --side S --log LOG [--rss RSSFILE] [--meta k=v ...]
      reads the run's output (a "... N samples/s" summary line, or a JSON line for
      checkpoints) and its peak RSS in KiB (GNU time's %M), appends one JSON line to RAW.
  aggregate.py summarize RAW [--table FILE] [--machine FILE]
      prints one JSON line per workload and mode (medians over runs, ratios with their
      spread over the runs), then one per goal of the performance issue; with --table,
      writes the same as a Markdown table (headed by the date and load from --machine).
      Exits 3 with a message instead, writing no table, when a PyTorch figure moved more
      than 2x between its own runs (max / min): a ratio against it would mean nothing.
  aggregate.py readme README RUN_DIR [RUN_DIR ...]
      replaces the part of README between the vs-pytorch markers with the last run's
      table, and with two or more runs a table of every PyTorch figure run by run.

Python standard library only."""
import argparse
import json
import re
import statistics
import sys
from collections import OrderedDict

SUMMARY = re.compile(r"done: (\d+) steps in [0-9.]+ s, ([0-9.]+) samples/s")
SIDES = ("allgrad", "pytorch", "limit", "plain", "one_thread")
MAX_REFERENCE_SPREAD = 2.0  # PyTorch's max / min over its runs beyond which no ratio is printed
INSTANCES = re.compile(r"^instances: ([0-9. ]+) samples/s")


def parse_log(text):
    """The figures of one run: {"samples_per_s": x} or the checkpoint JSON object."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            return json.loads(line)
    instances = [float(v) for m in map(INSTANCES.match, text.splitlines()) if m for v in m.group(1).split()]
    for line in text.splitlines():
        m = SUMMARY.search(line)
        if m:
            rec = {"samples_per_s": float(m.group(2)), "steps": int(m.group(1))}
            if instances:
                rec["instances"] = instances
            return rec
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


def spread(runs, key):
    """(min, max) of one figure over runs, or None."""
    vals = [r[key] for r in runs if key in r]
    return (min(vals), max(vals)) if vals else None


def paired_ratios(num, den, key, den_key=None):
    """num/den run by run (records paired by their "run" number, else by order): (min, max) or None."""
    den_key = den_key or key
    def by_run(recs, k):
        recs = [r for r in recs if k in r]
        return {r.get("run", i): r[k] for i, r in enumerate(recs)}
    a, b = by_run(num, key), by_run(den, den_key)
    rs = [a[i] / b[i] for i in a if i in b and b[i]]
    return (round(min(rs), 3), round(max(rs), 3)) if rs else None


RATIOS = (("allgrad/pytorch", "allgrad", "pytorch"), ("allgrad/limit", "allgrad", "limit"),
          ("pytorch/limit", "pytorch", "limit"), ("pytorch/plain", "pytorch", "plain"),
          ("allgrad/one_thread", "allgrad", "one_thread"))


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
                    (k, ratio(fig.get(n), fig.get(d))) for k, n, d in RATIOS if ratio(fig.get(n), fig.get(d)) is not None)
                if ratios:
                    row[metric + "_ratio"] = ratios
                if metric != "rss_MiB":
                    row[metric + "_spread"] = OrderedDict(
                        (s, list(spread(by_side[s], metric))) for s in SIDES if spread(by_side[s], metric))
                    rr = OrderedDict()
                    for k, n, d in RATIOS:
                        pr = paired_ratios(by_side[n], by_side[d], metric)
                        if pr and k in ratios:
                            rr[k] = list(pr)
                    if rr:
                        row[metric + "_ratio_spread"] = rr
        for p in PHASES:
            m = median_of(by_side["allgrad"], p)
            if m is not None:
                row.setdefault("allgrad_phases_ms", OrderedDict())[p[:-3]] = round(m, 1)
        row["runs"] = {s: len(v) for s, v in by_side.items() if v}
        fsync = [r for r in by_side["pytorch"] if "save_fsync_MBps" in r]
        if fsync and "save_MBps" in row and "allgrad" in row["save_MBps"]:
            # allgrad's save is durable (fsync): against torch.save plus an fsync as well
            row["save_vs_fsync_ratio"] = ratio(row["save_MBps"]["allgrad"], median_of(fsync, "save_fsync_MBps"))
            row["save_vs_fsync_ratio_spread"] = list(paired_ratios(by_side["allgrad"], fsync, "save_MBps", "save_fsync_MBps"))
        verified = [r["verified"] for r in recs if "verified" in r]
        if verified:
            row["verified"] = all(verified)
            row["file_MB"] = recs[0].get("file_MB")
        rows.append(row)
    return rows


def goals(rows, records=()):
    """The issue's goals, measured in the fair mode unless named: (goal, measured, its min-max over the
    runs paired by run number when the records are given, target, met)."""
    fair = {r["workload"]: r for r in rows if r["mode"] == "fair"}
    by_mode = {(r["workload"], r["mode"]): r for r in rows}

    def fig(workload, side, metric="samples_per_s"):
        return fair.get(workload, {}).get(metric, {}).get(side)

    def recs(workload, side, mode="fair"):
        return [r for r in records if r["workload"] == workload and r["side"] == side and
                (r["mode"] == mode or (side == "limit" and mode == "fair"))]

    out = []

    def goal(name, measured, target, tolerance=0.0, upper=None, num=None, den=None, metric="samples_per_s",
             den_metric=None):
        """met: measured >= target * (1 - tolerance) (and <= upper when given). num, den: (workload, side[, mode])
        of the ratio's two figures, for its spread over the runs."""
        if measured is None:
            met = None
        else:
            met = measured >= target * (1 - tolerance) and (upper is None or measured <= upper)
        sp = paired_ratios(recs(*num), recs(*den), metric, den_metric) if num and den and records else None
        out.append(OrderedDict(goal=name, measured=None if measured is None else round(measured, 3),
                               spread=list(sp) if sp else None, target=target, tolerance=tolerance, upper=upper, met=met))

    for b in (32, 64, 256):
        goal(f"MLP b{b} 1 thread: allgrad / limit", ratio(fig(f"mlp-b{b}-t1", "allgrad"), fig(f"mlp-b{b}-t1", "limit")), 0.9,
             num=(f"mlp-b{b}-t1", "allgrad"), den=(f"mlp-b{b}-t1", "limit"))
    for b in (32, 64):
        goal(f"MLP b{b} 1 thread: allgrad / PyTorch", ratio(fig(f"mlp-b{b}-t1", "allgrad"), fig(f"mlp-b{b}-t1", "pytorch")), 2.0,
             num=(f"mlp-b{b}-t1", "allgrad"), den=(f"mlp-b{b}-t1", "pytorch"))
    for w in ("mlp-b32", "mlp-b64", "mlp-b256", "convnet-b64"):
        goal(f"{w}: allgrad 2 threads / 1 thread", ratio(fig(w + "-t2", "allgrad"), fig(w + "-t1", "allgrad")),
             1.5 if w == "mlp-b256" else 1.0, num=(w + "-t2", "allgrad"), den=(w + "-t1", "allgrad"))
    for b in (32, 64, 256):
        r = by_mode.get((f"threads-b{b}", "defaults"), {})
        goal(f"MLP b{b}: allgrad default threads / --threads 1 (defaults)",
             r.get("samples_per_s_ratio", {}).get("allgrad/one_thread"), 1.0, tolerance=0.03,
             num=(f"threads-b{b}", "allgrad", "defaults"), den=(f"threads-b{b}", "one_thread", "defaults"))
    for t in (1, 2):
        goal(f"ConvNet b64 {t} thread(s): allgrad / PyTorch",
             ratio(fig(f"convnet-b64-t{t}", "allgrad"), fig(f"convnet-b64-t{t}", "pytorch")), 1.0,
             num=(f"convnet-b64-t{t}", "allgrad"), den=(f"convnet-b64-t{t}", "pytorch"))
    goal("DDP 2x64: allgrad / limit (MPI)", ratio(fig("ddp-2x64", "allgrad"), fig("ddp-2x64", "limit")), 0.9,
         num=("ddp-2x64", "allgrad"), den=("ddp-2x64", "limit"))
    goal("DDP 2x64: allgrad / PyTorch DDP gloo", ratio(fig("ddp-2x64", "allgrad"), fig("ddp-2x64", "pytorch")), 5.0,
         num=("ddp-2x64", "allgrad"), den=("ddp-2x64", "pytorch"))
    goal("DDP 2x64: allgrad / allgrad 1 rank b64", ratio(fig("ddp-2x64", "allgrad"), fig("mlp-b64-t1", "allgrad")), 1.8,
         num=("ddp-2x64", "allgrad"), den=("mlp-b64-t1", "allgrad"))
    for m in ("save_MBps", "load_MBps"):
        goal(f"checkpoint {m.split('_')[0]}: allgrad / PyTorch", ratio(fig("checkpoint", "allgrad", m), fig("checkpoint", "pytorch", m)), 1.5,
             num=("checkpoint", "allgrad"), den=("checkpoint", "pytorch"), metric=m)
    goal("checkpoint save: allgrad / (torch.save + fsync)", fair.get("checkpoint", {}).get("save_vs_fsync_ratio"), 1.5,
         num=("checkpoint", "allgrad"), den=("checkpoint", "pytorch"), metric="save_MBps", den_metric="save_fsync_MBps")
    for w, r in fair.items():
        rss = r.get("rss_MiB", {})
        if "samples_per_s" in r and "allgrad" in rss and "pytorch" in rss:  # training runs
            # lower is better: the goal is allgrad <= 0.5 x PyTorch, i.e. PyTorch / allgrad >= 2
            goal(f"{w}: peak RSS PyTorch / allgrad", ratio(rss["pytorch"], rss["allgrad"]), 2.0,
                 num=(w, "pytorch"), den=(w, "allgrad"), metric="rss_MiB")
    for r in rows:  # the reference against the plain loop, both modes: within 25%
        q = r.get("samples_per_s_ratio", {}).get("pytorch/plain")
        if q is not None:
            goal(f"{r['workload']} {r['mode']}: PyTorch reference / plain PyTorch loop", q, 0.75, upper=1.25,
                 num=(r["workload"], "pytorch", r["mode"]), den=(r["workload"], "plain", r["mode"]))
    return out


def reference_spread_failures(rows):
    """Workloads whose PyTorch figure moved more than MAX_REFERENCE_SPREAD between its runs."""
    bad = []
    for r in rows:
        for metric in ("samples_per_s", "save_MBps", "load_MBps"):
            lo_hi = r.get(metric + "_spread", {}).get("pytorch")
            if lo_hi and lo_hi[0] > 0 and lo_hi[1] / lo_hi[0] > MAX_REFERENCE_SPREAD:
                bad.append(f"{r['workload']} {r['mode']} {metric}: PyTorch {lo_hi[0]:g}-{lo_hi[1]:g} over "
                           f"{r['runs'].get('pytorch')} runs ({lo_hi[1] / lo_hi[0]:.2f}x)")
    return bad


def cell(fig, lo_hi, digits=0):
    """A median with its min-max over the runs: "3.01 (2.80-3.22)"."""
    if fig is None:
        return "–"
    if not lo_hi or lo_hi[0] == lo_hi[1]:
        return f"{fig:g}" if digits else f"{fig:.0f}"
    if digits:
        return f"{fig:g} ({lo_hi[0]:g}–{lo_hi[1]:g})"
    return f"{fig:.0f} ({lo_hi[0]:.0f}–{lo_hi[1]:.0f})"


def instances_text(k):
    return "one model instance a run" if k == 1 else f"the fastest of {k} model instances a run"


def header(machine):
    """One line: when and where the figures were measured."""
    m = (machine or {}).get("machine", machine or {})
    if not m:
        return ""
    load = m.get("uptime", "").split("load average:")[-1].strip()
    after = m.get("load_after", "").split("load average:")[-1].strip()
    return (f"Measured {m.get('date', '?')} on {m.get('cpu', '?')} ({m.get('cores', '?')} cores), OpenBLAS "
            f"{m.get('openblas', '?')}, PyTorch {m.get('pytorch', '?')} (allocator: {m.get('torch_allocator', 'glibc')}, "
            f"{instances_text(m.get('torch_instances', 1))}), {m.get('allgrad', '?')}"
            f"{' at ' + m['commit'] if m.get('commit') else ''}; load average {load} at the start"
            f"{', ' + after + ' at the end' if after else ''}; `{m.get('command', '?')}`. Figures: median over the runs "
            f"(min–max in brackets); ratios: of the medians (min–max of the run-by-run ratios).\n\n")


def table(rows, goal_rows, machine=None):
    lines = ["| workload | mode | allgrad | PyTorch | PyTorch plain loop | limit | allgrad/PyTorch | PyTorch/plain | allgrad/limit | peak RSS MiB allgrad / PyTorch |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        rss = r.get("rss_MiB", {})
        rss_cell = f"{rss.get('allgrad', '–')} / {rss.get('pytorch', '–')}" if rss else "–"
        metrics = ["samples_per_s"] if "samples_per_s" in r else ["save_MBps", "load_MBps"]
        for m in metrics:
            f, q = r[m], r.get(m + "_ratio", {})
            sp, qs = r.get(m + "_spread", {}), r.get(m + "_ratio_spread", {})
            name = r["workload"] + ("" if m == "samples_per_s" else f" {m.split('_')[0]} MB/s")
            if r["workload"].startswith("threads-"):
                name += " (PyTorch column: --threads 1, ratio: default / --threads 1)"
                lines.append(f"| {name} | {r['mode']} | {cell(f.get('allgrad'), sp.get('allgrad'))} | "
                             f"{cell(f.get('one_thread'), sp.get('one_thread'))} | – | – | "
                             f"{cell(q.get('allgrad/one_thread'), qs.get('allgrad/one_thread'), 3)} | – | – | {rss_cell} |")
                continue
            lines.append(f"| {name} | {r['mode']} | {cell(f.get('allgrad'), sp.get('allgrad'))} | "
                         f"{cell(f.get('pytorch'), sp.get('pytorch'))} | {cell(f.get('plain'), sp.get('plain'))} | "
                         f"{cell(f.get('limit'), sp.get('limit'))} | "
                         f"{cell(q.get('allgrad/pytorch'), qs.get('allgrad/pytorch'), 3)} | "
                         f"{cell(q.get('pytorch/plain'), qs.get('pytorch/plain'), 3)} | "
                         f"{cell(q.get('allgrad/limit'), qs.get('allgrad/limit'), 3)} | {rss_cell} |")
            if m == "save_MBps" and "save_vs_fsync_ratio" in r:
                fs = [x for x in (r.get("save_fsync_MBps", {}).get("pytorch"),) if x is not None]
                lines.append(f"| checkpoint save MB/s, PyTorch with fsync | {r['mode']} | {cell(f.get('allgrad'), sp.get('allgrad'))} | "
                             f"{cell(fs[0] if fs else None, r.get('save_fsync_MBps_spread', {}).get('pytorch'))} | – | – | "
                             f"{cell(r['save_vs_fsync_ratio'], r.get('save_vs_fsync_ratio_spread'), 3)} | – | – | {rss_cell} |")
    lines += ["", "| goal (fair mode unless named) | measured (min–max over runs) | target | met |", "|---|---|---|---|"]
    for g in goal_rows:
        met = {True: "yes", False: "**no**", None: "–"}[g["met"]]
        if g.get("upper") is not None:
            target = f"{g['target']}–{g['upper']}"
        else:
            target = f"≥ {g['target']}" + (f" (within {g['tolerance']:.0%})" if g.get("tolerance") else "")
        lines.append(f"| {g['goal']} | {cell(g['measured'], g.get('spread'), 3)} | {target} | {met} |")
    return header(machine) + "\n".join(lines) + "\n"


def load_run(path):
    """(records, machine) of one run directory (raw.jsonl, machine.json) or of one raw file."""
    import os
    raw = os.path.join(path, "raw.jsonl") if os.path.isdir(path) else path
    with open(raw) as f:
        records = [json.loads(ln) for ln in f if ln.strip()]
    machine = None
    # a run directory's machine.json, or beside a kept NAME-raw.jsonl the NAME-output.jsonl
    # (scripts/bench/results/: the script's printed lines, the machine first, then load_after)
    for mfile in (os.path.join(os.path.dirname(raw), "machine.json"), raw.replace("-raw.jsonl", "-output.jsonl")):
        if mfile != raw and os.path.exists(mfile):
            with open(mfile) as f:
                lines = [json.loads(ln) for ln in f if ln.strip().startswith("{")]
            machine = next((ln for ln in lines if "machine" in ln), None)
            after = next((ln["load_after"] for ln in lines if "load_after" in ln), None)
            if machine and after and "load_after" not in machine["machine"]:
                machine["machine"]["load_after"] = after
            break
    return records, machine


def summarize(a):
    records, machine = load_run(a.raw)
    if a.machine:
        with open(a.machine) as f:
            machine = json.loads(f.read().strip().splitlines()[-1])
    rows = summarize_rows(records)
    bad = reference_spread_failures(rows)
    if bad:
        print("aggregate.py: the PyTorch reference moved more than "
              f"{MAX_REFERENCE_SPREAD:g}x between its own runs, so no ratio is printed:\n  " + "\n  ".join(bad) +
              "\nRe-run on a quieter machine (uptime), or with more --instances.", file=sys.stderr)
        sys.exit(3)
    goal_rows = goals(rows, records)
    for r in rows + goal_rows:
        print(json.dumps(r))
    if a.table:
        with open(a.table, "w") as f:
            f.write(table(rows, goal_rows, machine))


BEGIN, END = "<!-- vs-pytorch table: begin (scripts/bench/aggregate.py readme) -->", "<!-- vs-pytorch table: end -->"


def between_runs(runs):
    """Every PyTorch figure run by run (the medians of each vs-pytorch.sh run), and last / first."""
    names = [m.get("machine", m).get("date", f"run {i + 1}") if m else f"run {i + 1}" for i, (_, m) in enumerate(runs)]
    summaries = [{(r["workload"], r["mode"]): r for r in summarize_rows(recs)} for recs, _ in runs]
    lines = ["| PyTorch figure | " + " | ".join(names) + " | last / first |", "|---" * (len(runs) + 2) + "|"]
    for key, r in summaries[0].items():
        for m in ("samples_per_s", "save_MBps", "load_MBps"):
            vals = [s.get(key, {}).get(m, {}).get("pytorch") for s in summaries]
            if vals[0] is None:
                continue
            last_first = ratio(vals[-1], vals[0])
            flag = "" if last_first is None or 0.75 <= last_first <= 1.25 else " **beyond ±25%**"
            lines.append(f"| {key[0]} {key[1]} {m} | " + " | ".join("–" if v is None else f"{v:.0f}" for v in vals) +
                         f" | {last_first}{flag} |")
    return "\n".join(lines) + "\n"


def readme(a):
    runs = [load_run(d) for d in a.runs]
    for recs, _ in runs:
        bad = reference_spread_failures(summarize_rows(recs))
        if bad:
            sys.exit("aggregate.py readme: a run's PyTorch reference moved more than 2x between its runs:\n  " + "\n  ".join(bad))
    recs, machine = runs[-1]
    rows = summarize_rows(recs)
    text = table(rows, goals(rows, recs), machine)
    if len(runs) > 1:
        text += "\nThe PyTorch figures of each run of the script (medians of its runs):\n\n" + between_runs(runs)
    with open(a.readme) as f:
        doc = f.read()
    if BEGIN not in doc or END not in doc:
        raise ValueError(f"{a.readme} has no {BEGIN} ... {END} markers")
    head, rest = doc.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(a.readme, "w") as f:
        f.write(head + BEGIN + "\n" + text + END + tail)


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
    s.add_argument("--machine")
    m = sub.add_parser("readme")
    m.add_argument("readme")
    m.add_argument("runs", nargs="+")
    a = p.parse_args(argv)
    try:
        {"record": record, "summarize": summarize, "readme": readme}[a.cmd](a)
    except (OSError, ValueError) as e:
        sys.exit(f"aggregate.py {a.cmd}: {e}")


if __name__ == "__main__":
    main()
