"""Unit tests of aggregate.py (stdlib unittest; ctest runs them as bench_aggregate, < 1 s)."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aggregate  # noqa: E402


def rec(workload, mode, side, sps, rss=100.0, **extra):
    return dict(workload=workload, mode=mode, side=side, samples_per_s=sps, rss_MiB=rss, **extra)


class ParseTest(unittest.TestCase):
    def test_summary_line_of_allgrad_pytorch_and_limit(self):
        for line in ("done: 938 steps in 1.1 s, 53095 samples/s",
                     "done: 938 steps in 0.8 s, 72419 samples/s, last epoch mean loss 0.5220 (1 rank x 1 thread)"):
            got = aggregate.parse_log("allgrad 0.1.0: banner\n" + line + "\n")
            self.assertEqual(got["steps"], 938)
            self.assertEqual(got["samples_per_s"], float(line.split(", ")[1].split()[0]))

    def test_json_line_wins_and_missing_figures_are_an_error(self):
        self.assertEqual(aggregate.parse_log('noise\n{"save_MBps": 10, "verified": true}\n')["save_MBps"], 10)
        with self.assertRaises(ValueError):
            aggregate.parse_log("Traceback (most recent call last):\n")

    def test_rss_is_the_last_line_of_gnu_time(self):
        self.assertEqual(aggregate.parse_rss_kib("Command exited with non-zero status 1\n70312\n"), 70312)
        with self.assertRaises(ValueError):
            aggregate.parse_rss_kib("")


class SummaryTest(unittest.TestCase):
    def test_medians_ratios_and_the_limit_quoted_in_defaults(self):
        records = [rec("mlp-b64-t1", m, s, v) for m, s, v in (
            ("defaults", "allgrad", 50), ("defaults", "allgrad", 70), ("defaults", "allgrad", 60),
            ("defaults", "pytorch", 20), ("fair", "allgrad", 90), ("fair", "pytorch", 30), ("fair", "limit", 100))]
        rows = {r["mode"]: r for r in aggregate.summarize_rows(records)}
        self.assertEqual(rows["defaults"]["samples_per_s"], {"allgrad": 60, "pytorch": 20, "limit": 100})
        self.assertEqual(rows["defaults"]["samples_per_s_ratio"]["allgrad/pytorch"], 3.0)
        self.assertEqual(rows["fair"]["samples_per_s_ratio"]["allgrad/limit"], 0.9)
        self.assertEqual(rows["defaults"]["runs"], {"allgrad": 3, "pytorch": 1, "limit": 1})

    def test_goals_compare_against_their_targets(self):
        records = [rec("mlp-b64-t1", "fair", "allgrad", 89, rss=40), rec("mlp-b64-t1", "fair", "limit", 100),
                   rec("mlp-b64-t1", "fair", "pytorch", 40, rss=100)]
        goals = {g["goal"]: g for g in aggregate.goals(aggregate.summarize_rows(records))}
        self.assertFalse(goals["MLP b64 1 thread: allgrad / limit"]["met"])
        self.assertTrue(goals["MLP b64 1 thread: allgrad / PyTorch"]["met"])
        self.assertTrue(goals["mlp-b64-t1: peak RSS PyTorch / allgrad"]["met"])
        self.assertIsNone(goals["MLP b32 1 thread: allgrad / limit"]["met"])  # not measured

    def test_instances_line_is_kept(self):
        got = aggregate.parse_log("instances: 9549 44400 39600 samples/s\ndone: 938 steps in 1.3 s, 44400 samples/s\n")
        self.assertEqual(got["samples_per_s"], 44400)
        self.assertEqual(got["instances"], [9549, 44400, 39600])

    def test_ratio_spreads_pair_runs_and_the_plain_loop_goal(self):
        records = [rec("mlp-b64-t1", "fair", s, v, run=i) for s, vals in (
            ("allgrad", (100, 120, 110)), ("pytorch", (50, 40, 45)), ("plain", (50, 60, 45))) for i, v in enumerate(vals, 1)]
        row = aggregate.summarize_rows(records)[0]
        self.assertEqual(row["samples_per_s_spread"]["pytorch"], [40, 50])
        self.assertEqual(row["samples_per_s_ratio"]["allgrad/pytorch"], round(110 / 45, 3))
        self.assertEqual(row["samples_per_s_ratio_spread"]["allgrad/pytorch"], [2.0, 3.0])  # run 1: 100/50, run 2: 120/40
        self.assertEqual(row["samples_per_s_ratio_spread"]["pytorch/plain"], [round(40 / 60, 3), 1.0])
        goals = {g["goal"]: g for g in aggregate.goals([row], records)}
        plain = goals["mlp-b64-t1 fair: PyTorch reference / plain PyTorch loop"]
        self.assertEqual(plain["measured"], 0.9)
        self.assertTrue(plain["met"])
        self.assertEqual(plain["spread"], [round(40 / 60, 3), 1.0])
        self.assertIn("2.444 (2–3)", aggregate.table([row], list(goals.values())))

    def test_reference_spread_beyond_2x_fails_without_a_table(self):
        records = [rec("mlp-b64-t1", "fair", "allgrad", 100, run=1), rec("mlp-b64-t1", "fair", "allgrad", 100, run=2),
                   rec("mlp-b64-t1", "fair", "pytorch", 9549, run=1), rec("mlp-b64-t1", "fair", "pytorch", 44400, run=2)]
        self.assertEqual(len(aggregate.reference_spread_failures(aggregate.summarize_rows(records))), 1)
        with tempfile.TemporaryDirectory() as d:
            raw, table = os.path.join(d, "raw.jsonl"), os.path.join(d, "table.md")
            with open(raw, "w") as f:
                f.write("".join(json.dumps(r) + "\n" for r in records))
            with self.assertRaises(SystemExit) as e:
                aggregate.main(["summarize", raw, "--table", table])
            self.assertEqual(e.exception.code, 3)
            self.assertFalse(os.path.exists(table))
            records[2]["samples_per_s"] = 30000  # within 2x: a table
            with open(raw, "w") as f:
                f.write("".join(json.dumps(r) + "\n" for r in records))
            aggregate.main(["summarize", raw, "--table", table])
            self.assertTrue(os.path.exists(table))

    def test_default_threads_goal_allows_3_percent(self):
        records = [rec("threads-b32", "defaults", "allgrad", 98, run=1), rec("threads-b32", "defaults", "one_thread", 100, run=1),
                   rec("threads-b64", "defaults", "allgrad", 96, run=1), rec("threads-b64", "defaults", "one_thread", 100, run=1)]
        goals = {g["goal"]: g for g in aggregate.goals(aggregate.summarize_rows(records), records)}
        self.assertTrue(goals["MLP b32: allgrad default threads / --threads 1 (defaults)"]["met"])
        self.assertFalse(goals["MLP b64: allgrad default threads / --threads 1 (defaults)"]["met"])

    def test_readme_block_is_replaced(self):
        with tempfile.TemporaryDirectory() as d:
            runs = []
            for n, v in (("a", 45), ("b", 60)):
                os.mkdir(os.path.join(d, n))
                with open(os.path.join(d, n, "raw.jsonl"), "w") as f:
                    for s, x in (("allgrad", 100), ("pytorch", v), ("plain", v)):
                        f.write(json.dumps(rec("mlp-b64-t1", "fair", s, x, run=1)) + "\n")
                with open(os.path.join(d, n, "machine.json"), "w") as f:
                    f.write(json.dumps({"machine": {"date": "2026-12-0%sT00:00:00Z" % ("1" if n == "a" else "2")}}) + "\n")
                runs.append(os.path.join(d, n))
            readme = os.path.join(d, "README.md")
            with open(readme, "w") as f:
                f.write(f"before\n{aggregate.BEGIN}\nold table\n{aggregate.END}\nafter\n")
            aggregate.main(["readme", readme] + runs)
            with open(readme) as f:
                text = f.read()
        self.assertTrue(text.startswith("before\n") and text.endswith("after\n"))
        self.assertNotIn("old table", text)
        self.assertIn("Measured 2026-12-02", text)
        self.assertIn("| mlp-b64-t1 fair samples_per_s | 45 | 60 | 1.333 **beyond ±25%** |", text)

    def test_record_appends_one_line(self):
        with tempfile.TemporaryDirectory() as d:
            log, rss, raw = (os.path.join(d, n) for n in ("run.log", "run.rss", "raw.jsonl"))
            with open(log, "w") as f:
                f.write("done: 10 steps in 0.1 s, 6400 samples/s\n")
            with open(rss, "w") as f:
                f.write("2048\n")
            for _ in range(2):
                aggregate.main(["record", raw, "--workload", "w", "--mode", "fair", "--side", "limit", "--log", log,
                                "--rss", rss, "--meta", "batch=64", "model=mlp"])
            with open(raw) as f:
                lines = [json.loads(ln) for ln in f]
        self.assertEqual(len(lines), 2)
        self.assertEqual(lines[0]["rss_MiB"], 2.0)
        self.assertEqual(lines[0]["batch"], 64)
        self.assertEqual(lines[0]["model"], "mlp")


if __name__ == "__main__":
    unittest.main()
