#!/usr/bin/env python3
"""Tests of make bench's parsing and reporting, on canned consoles.

grade/test/bench/ holds the consoles (MODE-KIND.log) and a stand-in for
grade/qemu-run that prints them, so grade/bench runs end to end in a
second without QEMU.  Run: make test-bench.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
FIX = os.path.join(HERE, "bench")
sys.path.insert(0, os.path.join(TOP, "grade"))
import bench_report as br  # noqa: E402


def fixture(name):
    with open(os.path.join(FIX, name)) as f:
        return f.read()


def bench(out, *args):
    """Run grade/bench with the stand-in runner; its CompletedProcess."""
    return subprocess.run(
        [os.path.join(TOP, "grade", "bench"), "--runner",
         os.path.join(FIX, "fake-qemu-run"), "--out", out, *args],
        capture_output=True, text=True)


class ParseLog(unittest.TestCase):
    def test_native_nanobenchmarks(self):
        p = br.parse_log(fixture("native-bench.log"))
        self.assertEqual(sorted(p["bench"]), sorted(br.NANO))
        self.assertEqual(p["bench"]["pgfault"],
                         {"cycles": 2683.1, "iters": 2048})
        self.assertEqual(p["bench"]["syscall"]["cycles"], 1457.0)
        self.assertIsNone(p["forkwait"])
        self.assertEqual(p["counters"], {})

    def test_forkwait(self):
        p = br.parse_log(fixture("native-forkwait.log"))
        self.assertEqual(p["forkwait"], {"forks": 1000, "cycles": 142257882})

    def test_monitor_counters_and_crlf(self):
        p = br.parse_log(fixture("te-forkwait.log"))
        self.assertEqual(p["forkwait"]["cycles"], 1422578820)
        self.assertEqual(p["counters"], {
            "traps": 7654321, "faults.hidden": 512000,
            "faults.trace": 1000000, "exits.io": 12})

    def test_ctxswitch(self):
        p = br.parse_log(fixture("te-ctxswitch.log"))
        self.assertEqual(p["ctxswitch"],
                         {"switches": 2000, "cycles": 180000000})
        self.assertIsNone(p["forkwait"])
        self.assertEqual(p["counters"], {
            "pf.hidden": 278, "shadow.rebuilds": 8, "shadow.hits": 2017})

    def test_lookalikes_are_not_timings(self):
        p = br.parse_log("timing: bench in lots cycles/op\n"
                         "vmm: counter traps many\n"
                         "xtiming: bench in 1.0 cycles/op (1 iters)\n"
                         "timing: ctxswitch 8 forks 80 cycles (10 "
                         "cycles/fork)\n"
                         "timing: forkwait 8 switches 80 cycles (10 "
                         "cycles/switch)\n")
        self.assertEqual(p["bench"], {})
        self.assertEqual(p["counters"], {})
        self.assertIsNone(p["forkwait"])
        self.assertIsNone(p["ctxswitch"])


class MissingLines(unittest.TestCase):
    def test_complete_runs(self):
        self.assertEqual(br.missing_lines(
            "bench", br.parse_log(fixture("te-bench.log"))), [])
        self.assertEqual(br.missing_lines(
            "forkwait", br.parse_log(fixture("te-forkwait.log")), 1000), [])

    def test_truncated_run(self):
        miss = br.missing_lines("bench", br.parse_log(fixture("bt-bench.log")))
        self.assertEqual(miss, ["timing: bench %s ..." % b for b in
                                ("syscall", "divzero", "ptemod", "p2np",
                                 "np2p")])

    def test_wrong_fork_count(self):
        miss = br.missing_lines(
            "forkwait", br.parse_log(fixture("native-forkwait.log")), 40000)
        self.assertIn("it says 1000", miss[0])

    def test_ctxswitch(self):
        log = br.parse_log(fixture("native-ctxswitch.log"))
        self.assertEqual(br.missing_lines("ctxswitch", log, 2000), [])
        self.assertEqual(br.missing_lines("ctxswitch", log, 20000), [
            "timing: ctxswitch 20000 switches ... (it says 2000)"])
        # forkwait's result is no ctxswitch result, nor the reverse.
        self.assertEqual(br.missing_lines(
            "ctxswitch", br.parse_log(fixture("native-forkwait.log"))),
            ["timing: ctxswitch ..."])
        self.assertEqual(br.missing_lines("forkwait", log),
                         ["timing: forkwait ..."])


def run(accel, config, kind, i, **parsed):
    """A run as load_runs makes it, with only what summarize reads."""
    r = {"accel": accel, "config": config, "kind": kind, "run": i,
         "bench": {}, "forkwait": None, "ctxswitch": None, "counters": {},
         "result_seconds": None}
    r.update(parsed)
    return r


class Summarize(unittest.TestCase):
    def test_median_and_ratio_stay_within_an_accelerator(self):
        runs = []
        for accel, native, te in (("tcg", (100, 300, 200), (900, 1000, 2000)),
                                  ("kvm", (10, 10, 12), (50, 40, 60))):
            for i in range(3):
                runs.append(run(accel, "native", "bench", i + 1, bench={
                    "syscall": {"cycles": native[i], "iters": 1}}))
                runs.append(run(accel, "te", "bench", i + 1, bench={
                    "syscall": {"cycles": te[i], "iters": 1}},
                    counters={"traps": 10 * (i + 1)}))
        res = {(r["accel"], r["config"], r["benchmark"]): r
               for r in br.summarize(runs, ["tcg", "kvm"])}
        self.assertEqual(res["tcg", "native", "syscall"]["median"], 200)
        self.assertEqual(res["tcg", "te", "syscall"]["median"], 1000)
        self.assertEqual(res["tcg", "te", "syscall"]["ratio"], 5.0)
        self.assertEqual(res["kvm", "te", "syscall"]["ratio"], 5.0)
        self.assertEqual(res["tcg", "te", "syscall"]["samples"],
                         [900, 1000, 2000])
        self.assertEqual(res["tcg", "te", "syscall"]["counters"],
                         {"traps": 20})
        # A benchmark no run printed is empty, not an error.
        self.assertIsNone(res["tcg", "te", "pgfault"]["median"])
        self.assertIsNone(res["tcg", "te", "forkwait"]["ratio"])

    def test_translation_costs(self):
        # bt.cycles / bt.insns per boot, medians, host (bench=all) and
        # icount (translate) apart; configurations without them absent.
        runs = [run("tcg", "native", "bench", 1),
                run("tcg", "te", "bench", 1, counters={"traps": 5})]
        for i, (host, ic) in enumerate(((12000, 900), (14000, 800),
                                        (13000, 1000))):
            runs.append(run("tcg", "bt", "bench", i + 1, counters={
                "bt.cycles": host * 10, "bt.insns": 10}))
            runs.append(run("tcg", "bt", "translate", i + 1, counters={
                "bt.cycles": ic * 4, "bt.insns": 4}))
        runs.append(run("tcg", "bt:sysgate=off", "bench", 1, counters={
            "bt.cycles": 500, "bt.insns": 0}))
        costs = br.translation_costs(runs, ["native", "te", "bt",
                                            "bt:sysgate=off"])
        self.assertEqual(costs, {"bt": {"host": 13000, "icount": 900}})
        lines = br.translation_lines(runs, ["native", "te", "bt"])
        self.assertEqual(lines[1], "  bt: 13000.0 in the bench=all boot; "
                         "900.0 at one cycle per guest instruction "
                         "(init=hello under -icount shift=0)")
        self.assertEqual(br.translation_lines(runs, ["native", "te"]), [])
        self.assertEqual(br.missing_lines("translate", br.parse_log(
            "vmm: counter bt.insns 3\n")), ["vmm: counter bt.cycles ..."])

    def test_counter_format(self):
        self.assertEqual(br.fmt_count(7654321), "7654321")
        self.assertEqual(br.fmt_count(br.median([10, 11])), "10.5")
        self.assertEqual(br.fmt_count(None), "")

    def test_config_split(self):
        self.assertEqual(br.split_config("te:shadow=rebuild,tc=64"),
                         ("te", "shadow=rebuild tc=64"))
        self.assertEqual(br.split_config("bt"), ("bt", ""))


class EndToEnd(unittest.TestCase):
    """grade/bench with the stand-in runner, and what it writes."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = cls.tmp.name
        cls.proc = bench(cls.out, "--modes", "te te:shadow=rebuild te",
                         "--accels", "tcg kvm", "--runs", "3",
                         "--forks", "1000", "--switches", "2000")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_succeeds_with_progress_and_kvm_skipped(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        out = self.proc.stdout
        self.assertIn("[1/27] tcg native bench=all run 1/3 ... ok", out)
        # round by round: every configuration once per round
        self.assertIn("[9/27] tcg te:shadow=rebuild init=ctxswitch 2000 "
                      "run 1/3 ... ok", out)
        self.assertIn("[10/27] tcg native bench=all run 2/3 ... ok", out)
        self.assertIn("[26/27] tcg te:shadow=rebuild init=forkwait 1000 "
                      "run 3/3 ... ok", out)
        self.assertIn("[27/27] tcg te:shadow=rebuild init=ctxswitch 2000 "
                      "run 3/3 ... ok", out)
        self.assertIn("KVM skipped: ", out)
        self.assertIn("KVM: skipped: ", out)
        self.assertRegex(out, r"bench: 27 boots in \dm\d\ds")

    def test_table(self):
        out = self.proc.stdout
        self.assertIn("TCG: cycles per operation, median of 3 runs", out)
        row = next(l for l in out.splitlines() if l.startswith("syscall "))
        # native, te, te:shadow=rebuild, two ratios, the paper's five
        self.assertEqual(row.split()[1:], [
            "1457.0", "14570.0", "14570.0", "10.0x", "10.0x",
            "242", "2308", "246", "9.54x", "1.02x"])
        fw = next(l for l in out.splitlines()
                  if l.startswith("forkwait seconds"))
        self.assertEqual(fw.split()[-5:],
                         ["6.02", "36.95", "106.4", "6.14x", "17.7x"])
        self.assertRegex(out, r"faults\.trace +3145728 +1000000 +3145728 "
                         r"+1000000")
        # ctxswitch: each configuration its own console, so its own ratio
        cs = next(l for l in out.splitlines()
                  if l.startswith("ctxswitch cycles/switch"))
        self.assertEqual(cs.split()[2:], ["9000.0", "90000.0", "270000",
                                          "10.0x", "30.0x"])
        self.assertIn("ctxswitch, not in the paper: 2000 yields", out)
        head = next(l for l in out.splitlines()
                    if l.startswith("counter (median per boot)"))
        self.assertIn("te ctxswitch", head)
        self.assertIn("te:shadow=rebuild ctxswitch", head)
        self.assertRegex(out, r"shadow\.rebuilds +8 +2037\n")

    def test_csv(self):
        with open(os.path.join(self.out, "results.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 3 * 11)
        te = next(r for r in rows if r["config"] == "te:shadow=rebuild"
                  and r["benchmark"] == "pgfault")
        self.assertEqual((te["mode"], te["vmm_args"]), ("te", "shadow=rebuild"))
        self.assertEqual(te["samples"], "26831;26831;26831")
        self.assertEqual(float(te["ratio_to_native"]), 26831 / 2683.1)
        self.assertEqual(te["paper_vt"], "11242")
        self.assertIn("faults.true=2304", te["counters"])
        self.assertIn("traps=1234567", te["counters"])
        cs = next(r for r in rows if r["config"] == "te:shadow=rebuild"
                  and r["benchmark"] == "ctxswitch")
        self.assertEqual((cs["unit"], cs["switches"], cs["forks"]),
                         ("cycles/switch", "2000", ""))
        self.assertEqual(float(cs["ratio_to_native"]), 30.0)
        self.assertEqual((cs["paper_unit"], cs["paper_native"]), ("", ""))
        self.assertIn("shadow.hits=0", cs["counters"])

    def test_json(self):
        with open(os.path.join(self.out, "results.json")) as f:
            doc = json.load(f)
        self.assertEqual([a["status"] for a in doc["accelerators"]],
                         ["measured", "skipped"])
        fw = next(r for r in doc["results"]
                  if r["config"] == "te" and r["benchmark"] == "forkwait")
        self.assertEqual(fw["median"], 1422578.82)
        self.assertEqual(fw["ratio"], 10.0)
        self.assertEqual(len(fw["seconds_samples"]), 3)
        self.assertEqual(fw["counters"]["exits.io"], 12)
        self.assertEqual(fw["paper"], {"native": 6.02, "bt": 36.95,
                                       "vt": 106.4})
        cs = next(r for r in doc["results"]
                  if r["config"] == "te" and r["benchmark"] == "ctxswitch")
        self.assertEqual((cs["median"], cs["ratio"]), (90000.0, 10.0))
        self.assertIsNone(cs["paper"])
        self.assertEqual(len(doc["runs"]), 27)

    def test_charts(self):
        if subprocess.run(["sh", "-c", "command -v gnuplot"],
                          capture_output=True).returncode != 0:
            self.skipTest("no gnuplot")
        for png in ("figure4-tcg.png", "paper-figure4.png"):
            with open(os.path.join(self.out, png), "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


class BrokenRuns(unittest.TestCase):
    def check_broken(self, modes, *expect, switches="2000"):
        with tempfile.TemporaryDirectory() as out:
            p = bench(out, "--modes", modes, "--accels", "tcg", "--runs", "1",
                      "--forks", "1000", "--switches", switches)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        for e in expect:
            self.assertIn(e, p.stderr)
        self.assertNotIn("TCG: cycles per operation", p.stdout)

    def test_missing_line(self):
        self.check_broken(
            "bt", "bench: tcg bt bench=all run 1/1: the log lacks: "
            "timing: bench syscall ...",
            "fake-qemu-run --mode bt --accel tcg --timeout 300 "
            "--append bench=all")

    def test_wrong_switch_count(self):
        self.check_broken(
            "te", "bench: tcg native init=ctxswitch 4000 run 1/1: the log "
            "lacks: timing: ctxswitch 4000 switches ... (it says 2000)",
            "fake-qemu-run --mode native --accel tcg --timeout 308 "
            "--append 'init=ctxswitch 4000'", switches="4000")

    def test_timeout(self):
        self.check_broken(
            "hang:shadow=traced",
            "bench: tcg hang:shadow=traced bench=all run 1/1: qemu-run "
            "exited 124: timeout",
            "--vmm-args shadow=traced")


if __name__ == "__main__":
    unittest.main()
