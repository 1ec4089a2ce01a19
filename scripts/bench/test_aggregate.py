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
