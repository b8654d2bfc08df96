#!/usr/bin/env python3
"""Read the console logs of grade/bench's runs and report on them.

  bench_report.py check KIND LOG [COUNT]
      Exit 1, naming what is missing, unless LOG (one boot's console)
      holds every line a KIND run (bench, forkwait or ctxswitch) must
      print; COUNT is the forks or switches the run was asked for.
  bench_report.py report DIR
      Read DIR/runs.tsv and DIR/accels.tsv (written by grade/bench) and
      the logs they name; print one table per accelerator beside the
      paper's figures; write DIR/results.{txt,csv,json} and the charts
      DIR/figure4-ACCEL.png and DIR/paper-figure4.png (with gnuplot).

The paper is Adams & Agesen, "A Comparison of Software and Hardware
Techniques for x86 Virtualization", ASPLOS 2006: Figure 4 and the raw
data table at its end (a 3.8 GHz Pentium 4; native, BT = VMware's
software VMM, VT = its hardware-assisted VMM).

Benchmarks are measurements: nothing here fails on a number, only on a
run whose log is incomplete.
"""
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

# The nanobenchmarks in the order of the paper's Figure 4.  syscall is
# the user-level half (user/nanobench.c); the rest run in the guest
# kernel (kern/probes.c).  clisti is i386's counterpart of cr8wr.
NANO = ["syscall", "in", "clisti", "callret", "pgfault", "divzero",
        "ptemod", "p2np", "np2p"]

# Each benchmark's name in the paper, and its cycles: native, BT, VT.
PAPER = {
    "syscall": ("syscall", 242, 2308, 246),
    "in": ("in", 3209, 216, 15826),
    "clisti": ("cr8wr", 150, 35, 177),
    "callret": ("call/ret", 11, 51, 11),
    "pgfault": ("pgfault", 1093, 3927, 11242),
    "divzero": ("divzero", 889, 3223, 1014),
    "ptemod": ("ptemod", 1, 391, 12733),
    "p2np": ("ptemod P->NP", 4, 17, 9154),
    "np2p": ("ptemod NP->P", 5, 2121, 17020),
}
# forkwait: seconds for 40000 forks, native, BT, VT (§6.2).
PAPER_FORKS = 40000
PAPER_FORKWAIT = (6.02, 36.95, 106.4)
PAPER_CPU = "Pentium 4 (3.8 GHz)"

BENCH_RE = re.compile(
    r"^timing: bench (\S+) ([0-9.]+) cycles/op \((\d+) iters\)$")
# The user-level workloads: one timing line each, "timing: NAME COUNT
# UNITs CYCLES cycles (PER cycles/UNIT)".  ctxswitch (four long-lived
# address spaces yielding to each other) is not in the paper.
WORKLOADS = {"forkwait": ("forks", "fork"),
             "ctxswitch": ("switches", "switch")}
WORKLOAD_RE = re.compile(
    r"^timing: (forkwait|ctxswitch) (\d+) (forks|switches) (\d+) cycles"
    r" \((\d+) cycles/(fork|switch)\)$")
COUNTER_RE = re.compile(r"^vmm: counter (\S+) (-?\d+)$")
# A translator's cost: bt.cycles / bt.insns, cycles per guest
# instruction translated.  The "translate" boot of a translating
# configuration runs under QEMU's -icount shift=0, where the guest's
# rdtsc counts one cycle per instruction executed.
TRANSLATION_COUNTERS = ("bt.cycles", "bt.insns")
TRANSLATION_KINDS = (("bench", "host"), ("translate", "icount"))


def parse_log(text):
    """One boot's console: its nanobenchmarks, workloads and counters.
    A workload's result is e.g. {"forks": 1000, "cycles": 142257882}."""
    out = {"bench": {}, "counters": {}}
    out.update(dict.fromkeys(WORKLOADS))
    for line in text.splitlines():
        line = line.strip()
        m = BENCH_RE.match(line)
        if m:
            out["bench"][m[1]] = {"cycles": float(m[2]), "iters": int(m[3])}
        m = WORKLOAD_RE.match(line)
        if m and WORKLOADS[m[1]] == (m[3], m[6]):
            out[m[1]] = {m[3]: int(m[2]), "cycles": int(m[4])}
        m = COUNTER_RE.match(line)
        if m:
            out["counters"][m[1]] = int(m[2])
    return out


def missing_lines(kind, parsed, count=None):
    """What a run of KIND should have printed but did not, as text; COUNT
    is the forks or switches a workload run was asked for."""
    if kind == "bench":
        return ["timing: bench %s ..." % b
                for b in NANO if b not in parsed["bench"]]
    if kind in WORKLOADS:
        unit, res = WORKLOADS[kind][0], parsed[kind]
        if res is None:
            return ["timing: %s ..." % kind]
        if count is not None and res[unit] != count:
            return ["timing: %s %d %s ... (it says %d)"
                    % (kind, count, unit, res[unit])]
        return []
    if kind == "translate":
        return ["vmm: counter %s ..." % n for n in TRANSLATION_COUNTERS
                if n not in parsed["counters"]]
    raise ValueError("unknown run kind '%s'" % kind)


def cmd_check(kind, log, count=None):
    """check KIND LOG [COUNT]: 0 if the log is complete, else 1."""
    with open(log, errors="replace") as f:
        miss = missing_lines(kind, parse_log(f.read()),
                             int(count) if count else None)
    if miss:
        print("the log lacks: " + "; ".join(miss), file=sys.stderr)
        return 1
    return 0


# ------------------------------------------------------------------
# Gathering the runs
# ------------------------------------------------------------------

def read_tsv(path):
    """A tab-separated file as a list of rows."""
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def seconds(a, b):
    """b - a for two $EPOCHREALTIME stamps; None if either is missing."""
    return float(b) - float(a) if a and b else None


def load_runs(d):
    """Every run of runs.tsv, with its log parsed."""
    runs = []
    for row in read_tsv(os.path.join(d, "runs.tsv")):
        accel, config, kind, run, rc, t0, tfirst, tresult, t1, log = row
        with open(log, errors="replace") as f:
            parsed = parse_log(f.read())
        runs.append({
            "accel": accel, "config": config, "kind": kind,
            "run": int(run), "status": int(rc), "log": log,
            "run_seconds": seconds(t0, t1),
            # a workload's own time: the guest's first line to its result
            "result_seconds": seconds(tfirst, tresult),
            "bench": parsed["bench"], "counters": parsed["counters"],
            **{w: parsed[w] for w in WORKLOADS},
        })
    return runs


def median(xs):
    """The median of xs, or None for no samples."""
    return statistics.median(xs) if xs else None


def ratio(x, base):
    """x / base, or None if either is missing."""
    return x / base if x is not None and base else None


def split_config(config):
    """'te:shadow=rebuild' -> ('te', 'shadow=rebuild')."""
    mode, _, args = config.partition(":")
    return mode, args.replace(",", " ")


def summarize(runs, accels):
    """One result per accelerator, configuration and benchmark."""
    results = []
    for accel in accels:
        ours = [r for r in runs if r["accel"] == accel]
        configs = list(dict.fromkeys(r["config"] for r in ours))
        for config in configs:
            mine = [r for r in ours if r["config"] == config]
            for b in NANO + list(WORKLOADS):
                kind = b if b in WORKLOADS else "bench"
                boots = [r for r in mine if r["kind"] == kind]
                counts = dict.fromkeys(u for u, _ in WORKLOADS.values())
                if b in WORKLOADS:
                    units, unit = WORKLOADS[b]
                    samples = [r[b]["cycles"] / r[b][units]
                               for r in boots if r[b]]
                    secs = [r["result_seconds"] for r in boots
                            if r["result_seconds"] is not None]
                    counts[units] = next((r[b][units] for r in boots
                                          if r[b]), None)
                    unit = "cycles/" + unit
                else:
                    samples = [r["bench"][b]["cycles"] for r in boots
                               if b in r["bench"]]
                    secs = []
                    unit = "cycles/op"
                mode, vmm_args = split_config(config)
                results.append({
                    "accel": accel, "config": config, "mode": mode,
                    "vmm_args": vmm_args, "benchmark": b, "unit": unit,
                    "median": median(samples), "samples": samples,
                    **counts,
                    "seconds_median": median(secs), "seconds_samples": secs,
                    "paper": paper_figures(b), "paper_unit": paper_unit(b),
                    "counters": counter_medians(boots),
                })
    # Ratios to native within the same accelerator and invocation.
    native = {(r["accel"], r["benchmark"]): r for r in results
              if r["config"] == "native"}
    for r in results:
        base = native.get((r["accel"], r["benchmark"]))
        r["ratio"] = ratio(r["median"], base and base["median"])
        r["seconds_ratio"] = ratio(r["seconds_median"],
                                   base and base["seconds_median"])
    return results


def paper_figures(b):
    """The paper's native, BT and VT figures for benchmark b, or None."""
    if b == "forkwait":
        return dict(zip(("native", "bt", "vt"), PAPER_FORKWAIT))
    if b in PAPER:
        return dict(zip(("native", "bt", "vt"), PAPER[b][1:]))
    return None


def paper_unit(b):
    """What the paper's figures for b count ("" for none)."""
    if b == "forkwait":
        return "seconds for %d forks" % PAPER_FORKS
    return "cycles/op" if b in PAPER else ""


def counter_medians(boots):
    """Each monitor counter's median over the boots that printed it."""
    names = dict.fromkeys(n for r in boots for n in r["counters"])
    return {n: median([r["counters"][n] for r in boots
                       if n in r["counters"]]) for n in names}


# ------------------------------------------------------------------
# The text table
# ------------------------------------------------------------------

def fmt_num(x):
    """A cycle count for the table: few digits after the point."""
    if x is None:
        return ""
    if x >= 100000:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    return "%.2f" % x


def fmt_count(x):
    """A counter (a median of counts: a whole number, or a half)."""
    if x is None:
        return ""
    return "%d" % x if x == int(x) else "%.1f" % x


def fmt_ratio(x):
    """A ratio to native for the table, e.g. 9.54x, 17.7x, 391x."""
    if x is None:
        return ""
    if x >= 100:
        return "%.0fx" % x
    return "%.2fx" % x if x < 10 else "%.1fx" % x


def render_table(rows, groups=()):
    """Left-align the first column, right-align the rest.  GROUPS, a list
    of (title, number of columns) for the columns after the first, puts
    a title line above them."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    if groups:
        line, col = " " * widths[0], 1
        for title, span in groups:
            w = sum(widths[col:col + span]) + 2 * (span - 1)
            line += "  " + title.center(w, "-")[:w]
            col += span
        lines.append(line.rstrip())
    for r in rows:
        cells = [r[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return lines


def accel_table(accel, results, runs, nruns):
    """The lines of one accelerator's tables: timings, then counters."""
    mine = [r for r in results if r["accel"] == accel]
    configs = list(dict.fromkeys(r["config"] for r in mine))
    vmms = [c for c in configs if c != "native"]
    get = {(r["config"], r["benchmark"]): r for r in mine}

    head = ["benchmark"] + configs + ["%s/nat" % c for c in vmms]
    head += ["native", "BT", "VT", "BT/nat", "VT/nat"]
    rows = [head]
    for b in NANO:
        name, pn, pbt, pvt = PAPER[b]
        label = b if name == b else "%s (%s)" % (b, name)
        rows.append([label]
                    + [fmt_num(get[c, b]["median"]) for c in configs]
                    + [fmt_ratio(get[c, b]["ratio"]) for c in vmms]
                    + [str(pn), str(pbt), str(pvt),
                       fmt_ratio(pbt / pn), fmt_ratio(pvt / pn)])
    for b in WORKLOADS:
        rows.append(["%s %s" % (b, get[configs[0], b]["unit"])]
                    + [fmt_num(get[c, b]["median"]) for c in configs]
                    + [fmt_ratio(get[c, b]["ratio"]) for c in vmms]
                    + [""] * 5)
    # The paper gives forkwait in seconds: the row to compare with it.
    fw = {c: get[c, "forkwait"] for c in configs}
    forks = fw["native"]["forks"] if "native" in fw else None
    switches = get[configs[0], "ctxswitch"]["switches"]
    pn, pbt, pvt = PAPER_FORKWAIT
    rows.append(["forkwait seconds (%s forks)" % forks]
                + ["%.2f" % fw[c]["seconds_median"]
                   if fw[c]["seconds_median"] is not None else ""
                   for c in configs]
                + [fmt_ratio(fw[c]["seconds_ratio"]) for c in vmms]
                + [str(pn), str(pbt), str(pvt),
                   fmt_ratio(pbt / pn), fmt_ratio(pvt / pn)])

    out = ["%s: cycles per operation, median of %d run%s; ratios are to"
           " native under %s" % (accel.upper(), nruns, "s" * (nruns != 1),
                                 accel.upper()),
           "(paper: Adams & Agesen 2006, Figure 4, %s; forkwait there is"
           " %d forks, here %s)" % (PAPER_CPU, PAPER_FORKS, forks),
           "(ctxswitch, not in the paper: %s yields between four long-lived"
           " address spaces)" % switches, ""]
    groups = [("ours", len(configs))]
    if vmms:
        groups.append(("ratio", len(vmms)))
    groups += [("paper", 3), ("ratio", 2)]
    out += render_table(rows, groups)
    if accel == "tcg":
        out += ["", "Under TCG, rdtsc reads the host's TSC: a 'cycle' is"
                " host time spent emulating, not the guest CPU's cost."]
    mine_runs = [r for r in runs if r["accel"] == accel]
    tl = translation_lines(mine_runs, configs)
    if tl:
        out += [""] + tl
    out += [""] + counter_table(mine_runs, configs)
    return out


def translation_costs(runs, configs):
    """{config: {"host": median, "icount": median}}: cycles per guest
    instruction translated, from the bench=all boots (host cycles under
    TCG) and the -icount boots, for the configurations that translate.
    RUNS are one accelerator's."""
    out = {}
    cyc, ins = TRANSLATION_COUNTERS
    for c in configs:
        for kind, key in TRANSLATION_KINDS:
            xs = [r["counters"][cyc] / r["counters"][ins] for r in runs
                  if r["config"] == c and r["kind"] == kind
                  and r["counters"].get(ins) and cyc in r["counters"]]
            if xs:
                out.setdefault(c, {})[key] = median(xs)
    return out


def translation_lines(runs, configs):
    """The text of translation_costs, or nothing."""
    costs = translation_costs(runs, configs)
    if not costs:
        return []
    out = ["Translation, cycles per guest instruction translated"
           " (bt.cycles / bt.insns, median):"]
    for c, v in costs.items():
        parts = []
        if "host" in v:
            parts.append("%s in the bench=all boot" % fmt_num(v["host"]))
        if "icount" in v:
            parts.append("%s at one cycle per guest instruction (init=hello"
                         " under -icount shift=0)" % fmt_num(v["icount"]))
        out.append("  %s: %s" % (c, "; ".join(parts)))
    return out


def counter_table(runs, configs):
    """The monitor's event counts (median per boot), one column per
    configuration and kind of boot; RUNS are one accelerator's."""
    cols = []
    for c in configs:
        for kind, title in [("bench", "bench=all")] + [
                (w, w) for w in WORKLOADS]:
            counts = counter_medians([r for r in runs if r["config"] == c
                                      and r["kind"] == kind])
            if counts:
                cols.append(("%s %s" % (c, title), counts))
    if not cols:
        return ["Monitor event counts: none reported (no 'vmm: counter'"
                " lines; native runs have none)."]
    names = list(dict.fromkeys(n for _, cs in cols for n in cs))
    rows = [["counter (median per boot)"] + [h for h, _ in cols]]
    for n in names:
        rows.append([n] + [fmt_count(cs.get(n)) for _, cs in cols])
    return ["Monitor event counts (the bench=all boot holds all nine"
            " nanobenchmarks):", ""] + render_table(rows)


# ------------------------------------------------------------------
# CSV and JSON
# ------------------------------------------------------------------

def join(xs, fmt="%g"):
    """Samples as one CSV cell: '1.5;2;2.5'."""
    return ";".join(fmt % x for x in xs)


def write_csv(path, results):
    cols = ["accel", "config", "mode", "vmm_args", "benchmark", "unit",
            "median", "samples", "ratio_to_native", "forks", "switches",
            "seconds_median", "seconds_samples", "seconds_ratio_to_native",
            "paper_unit", "paper_native", "paper_bt", "paper_vt", "counters"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in results:
            w.writerow([
                r["accel"], r["config"], r["mode"], r["vmm_args"],
                r["benchmark"], r["unit"], num(r["median"]),
                join(r["samples"]), num(r["ratio"]), r["forks"] or "",
                r["switches"] or "",
                num(r["seconds_median"]), join(r["seconds_samples"], "%.3f"),
                num(r["seconds_ratio"]), r["paper_unit"],
                *[(r["paper"] or {}).get(k, "") for k in ("native", "bt",
                                                          "vt")],
                join(["%s=%s" % (n, fmt_count(v))
                      for n, v in r["counters"].items()], "%s"),
            ])


def num(x):
    """A number as a CSV cell; empty for None."""
    return "" if x is None else "%.6g" % x


def write_json(path, results, runs, accels, nruns):
    doc = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host_cpu": host_cpu(),
        "runs_per_configuration": nruns,
        "accelerators": accels,
        "paper": {
            "source": "Adams & Agesen, ASPLOS 2006, Figure 4 and raw data",
            "cpu": PAPER_CPU,
            "nanobenchmarks_cycles": {
                b: {"paper_name": p[0], "native": p[1], "bt": p[2],
                    "vt": p[3]} for b, p in PAPER.items()},
            "forkwait_seconds": dict(zip(("native", "bt", "vt"),
                                         PAPER_FORKWAIT)),
            "forkwait_forks": PAPER_FORKS,
        },
        "results": results,
        "translation_cycles_per_insn": {
            a["accel"]: translation_costs(
                [r for r in runs if r["accel"] == a["accel"]],
                list(dict.fromkeys(r["config"] for r in runs
                                   if r["accel"] == a["accel"])))
            for a in accels if a["status"] == "measured"},
        "runs": runs,
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def host_cpu():
    """The host's CPU model, for the JSON; None if unknown."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


# ------------------------------------------------------------------
# Charts (gnuplot), in the style of the paper's Figure 4
# ------------------------------------------------------------------

def write_dat(path, series, rows):
    """A gnuplot data file: one row (label, values) per benchmark, one
    column per series; '?' where a value is missing."""
    with open(path, "w") as f:
        f.write("benchmark " + " ".join('"%s"' % s for s in series) + "\n")
        for label, values in rows:
            vals = ["%g" % v if v else "?" for v in values]
            f.write('"%s" %s\n' % (label, " ".join(vals)))


def log_ceiling(values):
    """A power of ten comfortably above the largest value (a y range)."""
    top = max([v for v in values if v] + [10])
    p = 10
    while p < top * 1.5:
        p *= 10
    return p


# Bar colours: our bt and vt take the paper's BT and VT colours, so the
# two panels compare by eye; further configurations take the spares.
COLOURS = {"native": "#7b3294", "bt": "#1b9e77", "vt": "#4393c3",
           "te": "#e08214", "hybrid": "#d6604d"}
SPARE_COLOURS = ["#b8860b", "#66a61e", "#e7298a", "#666666", "#a6761d"]


def colours(series):
    """One colour per series, by its mode where that colour is free."""
    out, spare = [], list(SPARE_COLOURS)
    for s in series:
        c = COLOURS.get(s.partition(":")[0].lower())
        if c is None or c in out:
            c = spare.pop(0) if spare else "#999999"
        out.append(c)
    return out


GP_HEAD = """\
set terminal pngcairo size %d,%d font "sans,10"
set output '%s'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [0.5:%d]
set ylabel "cycles (log scale)"
set grid ytics
set format y "%%.0f"
set lmargin at screen 0.11
set rmargin at screen 0.78
set key outside right top vertical Left reverse noenhanced
set datafile missing "?"
"""


def panel(dat, series, title):
    """gnuplot commands for one log-scale grouped bar chart."""
    bars = ["'%s' using %d:xtic(1) title columnheader(%d) lc rgb '%s'"
            % (dat, i + 2, i + 2, c) for i, c in enumerate(colours(series))]
    return 'set title "%s" noenhanced\nplot %s\n' % (title, ", ".join(bars))


def chart(png, height, ytop, panels):
    """Draw PANELS, one above the other, into PNG; True if it worked."""
    script = png[:-len(".png")] + ".gp"
    with open(script, "w") as f:
        f.write(GP_HEAD % (900, height, png, ytop))
        f.write("set multiplot layout %d,1\n" % len(panels))
        for p in panels:
            f.write(panel(*p))
        f.write("unset multiplot\n")
    r = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if r.returncode != 0:
        print("bench: gnuplot failed on %s:\n%s" % (script, r.stderr),
              file=sys.stderr)
    return r.returncode == 0


def plot(d, accel, results, nruns):
    """figure4-ACCEL.png (ours above, the paper below) and
    paper-figure4.png; a missing gnuplot only costs the pictures."""
    if shutil.which("gnuplot") is None:
        print("bench: gnuplot not found; no charts drawn", file=sys.stderr)
        return []
    mine = [r for r in results if r["accel"] == accel]
    configs = list(dict.fromkeys(r["config"] for r in mine))
    get = {(r["config"], r["benchmark"]): r["median"] for r in mine}
    ours = os.path.join(d, "figure4-%s.dat" % accel)
    write_dat(ours, configs,
              [(b, [get[c, b] for c in configs]) for b in NANO])
    paper = os.path.join(d, "paper-figure4.dat")
    write_dat(paper, ["native", "BT", "VT"],
              [(PAPER[b][0].replace("ptemod ", ""), PAPER[b][1:])
               for b in NANO])

    ours_panel = (ours, configs, "vmmlab nanobenchmarks under %s (median of"
                  " %d run%s)" % (accel.upper(), nruns, "s" * (nruns != 1)))
    paper_panel = (paper, ["native", "BT", "VT"],
                   "Adams & Agesen 2006, Figure 4: %s" % PAPER_CPU)
    paper_top = log_ceiling([v for p in PAPER.values() for v in p[1:]])
    # One y range for both panels, so bars compare by eye.
    both_top = max(paper_top, log_ceiling([get[c, b] for c in configs
                                           for b in NANO]))
    pngs = []
    for png, height, ytop, panels in (
            ("figure4-%s.png" % accel, 900, both_top,
             [ours_panel, paper_panel]),
            ("paper-figure4.png", 450, paper_top, [paper_panel])):
        if chart(os.path.join(d, png), height, ytop, panels):
            pngs.append(os.path.join(d, png))
    return pngs


# ------------------------------------------------------------------

def cmd_report(d):
    """report DIR: tables on stdout and in results.txt, CSV, JSON, PNGs."""
    accels = [{"accel": a, "status": s, "reason": why}
              for a, s, why in read_tsv(os.path.join(d, "accels.tsv"))]
    measured = [a["accel"] for a in accels if a["status"] == "measured"]
    runs = load_runs(d)
    nruns = max((r["run"] for r in runs), default=0)
    results = summarize(runs, measured)

    lines = []
    for a in accels:
        if a["status"] == "measured":
            lines += accel_table(a["accel"], results, runs, nruns) + [""]
    for a in accels:
        if a["status"] != "measured":
            lines.append("%s: skipped: %s" % (a["accel"].upper(), a["reason"]))
    text = "\n".join(lines).rstrip() + "\n"
    sys.stdout.write(text)
    with open(os.path.join(d, "results.txt"), "w") as f:
        f.write(text)

    write_csv(os.path.join(d, "results.csv"), results)
    write_json(os.path.join(d, "results.json"), results, runs, accels, nruns)
    files = [os.path.join(d, "results.%s" % x) for x in ("txt", "csv", "json")]
    for a in measured:
        files += plot(d, a, results, nruns)
    print("\nWrote " + " ".join(files))
    return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "check":
        return cmd_check(*argv[1:4])
    if len(argv) == 2 and argv[0] == "report":
        return cmd_report(argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
