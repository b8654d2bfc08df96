#!/usr/bin/env bash
# grade/grade.sh [SUITE...]: run grade suites and score them.
#
# A suite is a file grade/SUITE.bats; with no arguments, every one
# (native first, then the labs).  For each suite this prints every test
# as it completes, the failures with their reasons, and a table with the
# score; at the end the overall score.  Results go to $GRADE_OUT
# (default obj/grade): SUITE/tap.txt, SUITE/results.json, SUITE/junit.xml,
# SUITE/logs/ (the serial output of each boot), and results.json and
# junit.xml for all suites of this run.
#
# Exit status: 0 at full marks, 1 below, 2 on bad usage.
# Environment: GRADE_JOBS (how many suites run at once, default 1),
# GRADE_FILTER (a regular expression: only the tests whose names match;
# make's TEST=), GRADE_EX (an exercise number K: only the tests tagged
# exK, those that exercise K done in order first makes pass; make's EX=;
# needs bats 1.8 or later), ACCEL (tcg, kvm), GRADE_TIMEOUT_SCALE (multiplies every
# time limit, e.g. 3 on a slow machine), GRADE_OUT, GRADE_FAIL_FAST (1:
# skip the rest of a suite after its first failed test with points, for
# checks that only ask whether one fails; the score is then meaningless).
set -euo pipefail

cd "$(dirname "$0")/.."
out=${GRADE_OUT:-obj/grade}

command -v bats >/dev/null || {
	echo "grade: bats is not installed; run 'make deps'" >&2
	exit 2
}

suites=("$@")
if ((${#suites[@]} == 0)); then
	[[ ! -e grade/native.bats ]] || suites=(native)
	for f in grade/*.bats; do
		[[ $f == grade/native.bats || ! -e $f ]] || suites+=("$(basename "$f" .bats)")
	done
fi
for s in "${suites[@]}"; do
	[[ -f grade/$s.bats ]] || {
		echo "grade: no suite '$s' (no file grade/$s.bats)" >&2
		exit 2
	}
done

# TEST=regex (GRADE_FILTER) runs only the tests whose names match, as
# bats -f does; EX=K (GRADE_EX) only those tagged exK (bats test_tags),
# through bats --filter-tags; results.py scores the same selection.  A
# suite with none is left out.
filter=()
[[ -z ${GRADE_FILTER:-} ]] || filter+=(-f "$GRADE_FILTER")
if [[ -n ${GRADE_EX:-} ]]; then
	[[ $GRADE_EX =~ ^[1-9][0-9]*$ ]] || {
		echo "grade: EX wants an exercise number, not '$GRADE_EX'" >&2
		exit 2
	}
	# --filter-tags came with bats 1.8.0; an older bats rejects it.
	version=$(bats --version | awk '{ print $2 }')
	[[ $(printf '%s\n' 1.8.0 "$version" | sort -V | head -n 1) == 1.8.0 ]] || {
		echo "grade: EX= needs bats 1.8 or later (this is $version); TEST='milestone $GRADE_EX:' runs the exercise's milestone" >&2
		exit 2
	}
	filter+=(--filter-tags "ex$GRADE_EX")
fi
if ((${#filter[@]})); then
	picked=()
	for s in "${suites[@]}"; do
		n=$(python3 grade/results.py count "grade/$s.bats") || exit 2
		((n == 0)) || picked+=("$s")
	done
	if ((${#picked[@]} == 0)); then
		echo "grade: no test in ${suites[*]} is selected by${GRADE_FILTER:+ TEST='$GRADE_FILTER'}${GRADE_EX:+ EX=$GRADE_EX (tagged ex$GRADE_EX)}" >&2
		exit 2
	fi
	suites=("${picked[@]}")
fi

echo "grade: ${suites[*]} (ACCEL=${ACCEL:-tcg}, GRADE_TIMEOUT_SCALE=${GRADE_TIMEOUT_SCALE:-1}${GRADE_FAIL_FAST:+, GRADE_FAIL_FAST=$GRADE_FAIL_FAST}${GRADE_FILTER:+, TEST=$GRADE_FILTER}${GRADE_EX:+, EX=$GRADE_EX})"
# run_suite SUITE: run it and score it, its report on standard output.
run_suite() {
	rm -rf "${out:?}/$1"
	mkdir -p "$out/$1"
	# bats fails when a test does; the scorer decides what that means.
	GRADE_LOG_DIR="$PWD/$out/$1/logs" bats -T -F tap "${filter[@]}" "grade/$1.bats" |
		python3 grade/results.py suite "$1" "grade/$1.bats" "$out/$1" || true
}

# GRADE_JOBS=N runs up to N suites at once (each boots one QEMU at a
# time), each report printed whole when its suite ends, in order; the
# default, 1, prints every test as it completes.
jobs=${GRADE_JOBS:-1}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || {
	echo "grade: GRADE_JOBS wants a number of suites, not '$jobs'" >&2
	exit 2
}
if ((jobs == 1 || ${#suites[@]} == 1)); then
	for s in "${suites[@]}"; do
		run_suite "$s"
	done
else
	reports=$(mktemp -d "${TMPDIR:-/tmp}/grade.XXXXXX")
	trap 'rm -rf "$reports"' EXIT
	running=0 shown=0
	for i in "${!suites[@]}"; do
		if ((running == jobs)); then
			wait -n || true
			running=$((running - 1))
		fi
		{ run_suite "${suites[i]}" >"$reports/$i" 2>&1; touch "$reports/$i.done"; } &
		running=$((running + 1))
		# Print, in order, every report that is complete.
		while [[ -e $reports/$shown.done ]]; do
			cat "$reports/$shown"
			shown=$((shown + 1))
		done
	done
	wait
	for ((; shown < ${#suites[@]}; shown++)); do
		cat "$reports/$shown"
	done
fi
python3 grade/results.py total "$out" "${suites[@]}"
