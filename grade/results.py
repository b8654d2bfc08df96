#!/usr/bin/env python3
"""Score grade suites from bats' TAP stream and write the results.

    results.py suite NAME BATS_FILE OUTDIR < TAP
        Read the TAP that `bats -T -F tap BATS_FILE` prints, show each test
        as it completes, then the suite's table and score.  Writes, in
        OUTDIR: tap.txt (the stream as read), results.json (Gradescope's
        format), junit.xml.
    results.py points BATS_FILE NAME
        Print the points of test NAME (0 if there is no such test).
    results.py count BATS_FILE
        Print how many of its tests GRADE_FILTER and GRADE_EX select.
    results.py total OUTDIR SUITE...
        Combine OUTDIR/SUITE/results.json into OUTDIR/results.json and
        OUTDIR/junit.xml, print the overall score, and exit 1 below full
        marks (or when a suite has no results).

With GRADE_FILTER set to a regular expression (make's TEST=), only the
tests whose names it matches count, as bats -f runs only those.  With
GRADE_EX set to an exercise number K (make's EX=), only the tests tagged
exK count, as bats --filter-tags exK runs only those; with both, the
tests that both select.

Points come from the .bats file: in the comment lines directly above a
test (no blank line between),

    # points: 3
    # tags: handout-pass, slow         (or: # bats test_tags=handout-pass,slow)
    @test "name" {

A test without "# points:" is worth 0: it still runs and is reported,
but cannot change a score.  A test passes or fails as a whole; partial
credit comes from splitting a feature into several tests that grade one
boot.  Tag handout-pass marks a test that a lab's handout may pass
(grade/handout-check); tag exK a test that exercise K of its lab, done
in order, is the first to make pass (make grade-labN EX=K; make
milestone-check holds the tags to it).  Write exK as "# bats
test_tags=exK", which bats reads too: bats runs what EX= selects.  Other
tags are free-form.

Python standard library only.
"""

import json
import os
import re
import sys
import xml.etree.ElementTree as ET

TEST_LINE = re.compile(r"""^\s*@test\s+(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\s*\{""")
POINTS = re.compile(r"^\s*#\s*points:\s*(\S+)\s*$")
# "# tags: a, b" (ours only), or bats' own "# bats test_tags=a,b".
TAGS = re.compile(r"^\s*#\s*(?:tags:|bats\s+test_tags=)\s*(.*?)\s*$")
# "ok 3 name in 120ms # skip why": -T adds the time, skip the directive.
RESULT = re.compile(
    r"^(?P<not>not )?ok (?P<num>\d+) (?P<name>.*?)"
    r"(?: in (?P<ms>\d+) ?ms)?(?: # (?P<skip>skip)\b ?(?P<why>.*))?$"
)


def parse_bats(path):
    """The tests of a .bats file in order: dicts of name, points, tags."""
    tests, points, tags = [], None, []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            m = TEST_LINE.match(line)
            if m:
                name = m.group(1) if m.group(1) is not None else m.group(2)
                if m.group(1) is not None:
                    name = re.sub(r"\\(.)", r"\1", name)
                tests.append({"name": name, "points": points or 0,
                              "tags": tags, "line": lineno})
                points, tags = None, []
                continue
            m = POINTS.match(line)
            if m:
                try:
                    points = float(m.group(1))
                except ValueError:
                    sys.exit(f"{path}:{lineno}: '# points:' wants a number, "
                             f"not '{m.group(1)}'")
                if points < 0:
                    sys.exit(f"{path}:{lineno}: negative points")
                if points == int(points):
                    points = int(points)
                continue
            m = TAGS.match(line)
            if m:
                tags = [t for t in re.split(r"[,\s]+", m.group(1)) if t]
                continue
            if not line.lstrip().startswith("#"):
                points, tags = None, []
    names = [t["name"] for t in tests]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        sys.exit(f"{path}: duplicate test names: {', '.join(dups)}")
    return tests


def fmt(x):
    return str(int(x)) if x == int(x) else f"{x:g}"


def show(line=""):
    print(line, flush=True)


def selected(tests, pattern, exercise=""):
    """The tests whose name the regular expression pattern matches (as
    bats -f does) and, given an exercise number, that are tagged with it
    (as bats --filter-tags exK runs them): all of them for neither."""
    if pattern:
        try:
            rx = re.compile(pattern)
        except re.error as e:
            sys.exit(f"grade: TEST='{pattern}' is not a regular expression: {e}")
        tests = [t for t in tests if rx.search(t["name"])]
    if exercise:
        tests = [t for t in tests if f"ex{exercise}" in t["tags"]]
    return tests


def selection():
    """What the environment selects: (GRADE_FILTER, GRADE_EX, a note for
    the suite's header, empty if everything)."""
    pattern = os.environ.get("GRADE_FILTER", "")
    exercise = os.environ.get("GRADE_EX", "")
    if exercise and not re.fullmatch(r"[1-9][0-9]*", exercise):
        sys.exit(f"grade: EX='{exercise}' is not an exercise number")
    said = [f"TEST='{pattern}'"] if pattern else []
    said += [f"EX={exercise}: exercise {exercise}'s tests"] if exercise else []
    return pattern, exercise, ", ".join(said)


def run_suite(name, bats_file, outdir):
    pattern, exercise, said = selection()
    everything = parse_bats(bats_file)
    tests = selected(everything, pattern, exercise)
    by_name = {t["name"]: t for t in tests}
    total = sum(t["points"] for t in tests)
    if said:
        show(f"== {name}: {len(tests)} of its {len(everything)} tests "
             f"({said}), {fmt(total)} points ({bats_file})")
    else:
        show(f"== {name}: {len(tests)} tests, {fmt(total)} points ({bats_file})")

    os.makedirs(outdir, exist_ok=True)
    tap = open(os.path.join(outdir, "tap.txt"), "w", encoding="utf-8")
    results, current, extra = {}, None, []
    for raw in sys.stdin:
        tap.write(raw)
        tap.flush()
        line = raw.rstrip("\n")
        m = RESULT.match(line)
        if m:
            tname = m.group("name")
            t = by_name.get(tname)
            if t is None:  # e.g. "setup_file failed": not a test of ours
                t = {"name": tname, "points": 0, "tags": [], "line": 0}
                extra.append(t)
            passed = not m.group("not") and not m.group("skip")
            current = {
                "passed": passed,
                "skipped": bool(m.group("skip")),
                "seconds": int(m.group("ms")) / 1000 if m.group("ms") else 0.0,
                "output": [],
            }
            if m.group("skip"):
                current["output"].append("skipped: " + (m.group("why") or ""))
            results[tname] = current
            mark = "ok  " if passed else ("SKIP" if current["skipped"] else "FAIL")
            score = t["points"] if passed else 0
            show(f"  {mark} {fmt(score):>3}/{fmt(t['points']):<3} {tname}"
                 f"  ({current['seconds']:.1f}s)")
        elif line.startswith("#") and current is not None:
            current["output"].append(line[2:] if line.startswith("# ") else line[1:])
        elif line.startswith("#"):  # bats' own messages before any test
            show("  " + line)
    tap.close()

    rows = []
    for t in tests + extra:
        r = results.get(t["name"])
        if r is None:
            r = {"passed": False, "skipped": False, "seconds": 0.0,
                 "output": ["did not run (bats stopped early: see tap.txt)"]}
        rows.append({
            "name": t["name"],
            # A skipped test (e.g. one that needs KVM) counts for nothing
            # either way: it is left out of the maximum too.
            "score": t["points"] if r["passed"] else 0,
            "max_score": 0 if r["skipped"] else t["points"],
            "status": ("skipped" if r["skipped"]
                       else "passed" if r["passed"] else "failed"),
            "output": "\n".join(r["output"]),
            "tags": [name] + t["tags"],
            "execution_time": r["seconds"],
            "skipped": r["skipped"],
        })
    suite = {
        "suite": name,
        "score": sum(r["score"] for r in rows),
        "max_score": sum(r["max_score"] for r in rows),
        "execution_time": round(sum(r["execution_time"] for r in rows), 3),
        "tests": rows,
    }
    with open(os.path.join(outdir, "results.json"), "w", encoding="utf-8") as f:
        json.dump(suite, f, indent=2)
        f.write("\n")
    write_junit(os.path.join(outdir, "junit.xml"), [suite])
    print_suite(suite)


# The line of a failure's output that says what went wrong inside the
# guest or the monitor: a kernel panic, or the monitor's one-line stop.
CAUSE = re.compile(r"(kernel panic at .*|vmm: (?!mode |counter ).*"
                   r"(error|not implemented|stopping the guest).*)")


def cause(output):
    """What a failure's output says went wrong, or None."""
    for line in output.splitlines():
        m = CAUSE.search(line)
        if m:
            return m.group(1)
    return None


def print_suite(suite):
    failed = [r for r in suite["tests"] if r["status"] != "passed"]
    # A failure whose cause an earlier one already showed in full is
    # told in one line: a fresh handout would otherwise print the same
    # panic once per test.
    first_with, repeats = {}, 0
    for r in failed:
        show()
        show(f"--- {'SKIP' if r['skipped'] else 'FAIL'}: {suite['suite']}: {r['name']}")
        why = None if r["skipped"] else cause(r["output"])
        if why is not None and why in first_with:
            show(f"    the same failure as '{first_with[why]}': {why}")
            repeats += 1
            continue
        if why is not None:
            first_with[why] = r["name"]
        for out in r["output"].splitlines():
            show("    " + out)
    if repeats:
        show()
        show(f"({repeats} failure(s) above repeat an earlier one; each test's "
             f"full output is in its tap.txt and results.json)")
    show()
    width = max([len(r["name"]) for r in suite["tests"]] + [10])
    show(f"  {'test':<{width}}  points")
    for r in suite["tests"]:
        mark = "" if r["status"] == "passed" else "  <- " + ("skipped" if r["skipped"] else "failed")
        show(f"  {r['name']:<{width}}  {fmt(r['score']):>3}/{fmt(r['max_score'])}{mark}")
    show(f"{suite['suite']}: Score: {fmt(suite['score'])}/{fmt(suite['max_score'])}")
    show()


def write_junit(path, suites):
    root = ET.Element("testsuites")
    for s in suites:
        tests = s["tests"]
        ts = ET.SubElement(root, "testsuite", {
            "name": s["suite"],
            "tests": str(len(tests)),
            "failures": str(sum(t["status"] != "passed" and not t["skipped"] for t in tests)),
            "skipped": str(sum(t["skipped"] for t in tests)),
            "errors": "0",
            "time": f"{s['execution_time']:.3f}",
        })
        props = ET.SubElement(ts, "properties")
        ET.SubElement(props, "property", {"name": "score", "value": fmt(s["score"])})
        ET.SubElement(props, "property", {"name": "max_score", "value": fmt(s["max_score"])})
        for t in tests:
            tc = ET.SubElement(ts, "testcase", {
                "classname": s["suite"],
                "name": t["name"],
                "time": f"{t['execution_time']:.3f}",
            })
            tp = ET.SubElement(tc, "properties")
            ET.SubElement(tp, "property", {"name": "points", "value": fmt(t["max_score"])})
            if t["skipped"]:
                ET.SubElement(tc, "skipped", {"message": t["output"]})
            elif t["status"] != "passed":
                el = ET.SubElement(tc, "failure", {
                    "message": f"0/{fmt(t['max_score'])} points",
                    "type": "failure",
                })
                el.text = t["output"]
    if hasattr(ET, "indent"):  # Python 3.9 on
        ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def total(outdir, names):
    suites, missing = [], []
    for n in names:
        p = os.path.join(outdir, n, "results.json")
        try:
            with open(p, encoding="utf-8") as f:
                suites.append(json.load(f))
        except (OSError, ValueError):
            missing.append(n)
    tests = []
    for s in suites:
        for t in s["tests"]:
            tests.append(dict(t, name=f"{s['suite']}: {t['name']}"))
    score = sum(s["score"] for s in suites)
    max_score = sum(s["max_score"] for s in suites)
    overall = {
        "score": score,
        "max_score": max_score,
        "execution_time": round(sum(s["execution_time"] for s in suites), 3),
        "suites": {s["suite"]: {"score": s["score"], "max_score": s["max_score"]}
                   for s in suites},
        "tests": tests,
    }
    with open(os.path.join(outdir, "results.json"), "w", encoding="utf-8") as f:
        json.dump(overall, f, indent=2)
        f.write("\n")
    write_junit(os.path.join(outdir, "junit.xml"), suites)

    if len(names) > 1 or missing:
        show("== overall")
        for s in suites:
            show(f"  {s['suite']:<10} {fmt(s['score']):>4}/{fmt(s['max_score'])}")
        for n in missing:
            show(f"  {n:<10}  no results (the suite did not run to the end)")
    show(f"Score: {fmt(score)}/{fmt(max_score)}")
    show(f"(results: {outdir}/results.json, {outdir}/junit.xml, "
         f"{outdir}/SUITE/tap.txt; serial logs: {outdir}/SUITE/logs/)")
    return 0 if not missing and score >= max_score else 1


def main(argv):
    if len(argv) == 5 and argv[1] == "suite":
        run_suite(argv[2], argv[3], argv[4])
        return 0
    if len(argv) >= 4 and argv[1] == "total":
        return total(argv[2], argv[3:])
    if len(argv) == 3 and argv[1] == "list":  # for the self-test and tools
        json.dump(parse_bats(argv[2]), sys.stdout, indent=2)
        print()
        return 0
    if len(argv) == 3 and argv[1] == "count":  # for TEST= and EX= in grade.sh
        pattern, exercise, _ = selection()
        print(len(selected(parse_bats(argv[2]), pattern, exercise)))
        return 0
    if len(argv) == 4 and argv[1] == "points":  # for GRADE_FAIL_FAST in lib.bash
        t = [t for t in parse_bats(argv[2]) if t["name"] == argv[3]]
        print(fmt(t[0]["points"]) if t else 0)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
