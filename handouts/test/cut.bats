#!/usr/bin/env bats
# Tests for handouts/cut, the handout cutter: each marker rule, each error,
# and an end-to-end cut of a tiny two-lab tree whose reference passes its
# test while each lab's handout builds and fails it.
#
# Every test builds its source tree in $BATS_TEST_TMPDIR/src and cuts it to
# $BATS_TEST_TMPDIR/out; messages therefore name files as src/PATH:LINE.

bats_require_minimum_version 1.5.0

BATS_LIB_PATH="${BATS_LIB_PATH:-/usr/lib/bats}:/usr/local/lib/bats:/usr/local/lib:/opt/homebrew/lib"
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	CUT="$BATS_TEST_DIRNAME/../cut"
	# Run from `make check`, the outer make's flags and variables (LAB=...)
	# would reach the makes these tests start.
	unset MAKEFLAGS MFLAGS MAKELEVEL LAB HANDOUT_DIR
	cd "$BATS_TEST_TMPDIR"
	mkdir src
}

# put PATH: write standard input to src/PATH.
put() {
	mkdir -p "src/$(dirname "$1")"
	cat >"src/$1"
}

# cut_lab N [OPTION...]: cut the lab N handout of src into out, without
# making it a git repository (the tests of that use $CUT).
cut_lab() {
	"$CUT" --lab "$1" --out out --src src --no-git "${@:2}"
}

# assert_file PATH: the file holds exactly standard input.
assert_file() {
	diff -u - "$1" || fail "$1 is not what the cut should write"
}

# assert_nothing_written: the test directory holds the source tree only.
assert_nothing_written() {
	local left
	left="$(ls -A "$BATS_TEST_TMPDIR")"
	[ "$left" = src ] || fail "a failed cut left files behind: $left"
}

# expect_error LOCATION MESSAGE: both a lab 1 cut and --check of src fail with
# "src/LOCATION: error: MESSAGE...", and nothing is written.
expect_error() {
	run cut_lab 1
	assert_failure 1
	assert_output --partial "src/$1: error: $2"
	assert_output --partial "no handout written"
	assert_nothing_written
	run "$CUT" --check --src src
	assert_failure 1
	assert_output --partial "src/$1: error: $2"
	assert_nothing_written
}

# ---- Command line ----

@test "-h explains usage and the markers" {
	run "$CUT" -h
	assert_success
	assert_output --partial "--lab N --out DIR [--src DIR] [--force]"
	assert_output --partial "--list-regions --lab N"
	assert_output --partial "[--only REGION[,REGION...] | --stub-from K]"
	assert_output --partial "BEGIN LAB n SOLUTION"
}

@test "a cut needs --lab and --out, and a lab number of 1 or more" {
	run -2 "$CUT" --out out --src src
	assert_output --partial "--lab and --out are required"
	run -2 "$CUT" --lab 0 --out out --src src
	assert_output --partial "1 or more"
	run -2 "$CUT" --check --lab 1 --src src
	assert_nothing_written
}

# ---- What a cut writes ----

@test "a region of lab N becomes its stub, indented as the STUB lines were, between code markers" {
	put kern/f.c <<'EOF'
/*
 * f: return a + 1.
 */
int
f(int a)
{
    // LAB 1: Your code here.
    // BEGIN LAB 1 SOLUTION
    int b = a;

    return b + 1;
    // STUB: panic("lab 1: f not implemented");
    // STUB:
    /* STUB:   return 0; */
    // END LAB 1 SOLUTION
}
EOF
	run cut_lab 1
	assert_success
	assert_output --partial "regions cut: lab 1: 1"
	assert_file out/kern/f.c <<'EOF'
/*
 * f: return a + 1.
 */
int
f(int a)
{
    // LAB 1: Your code here.
    // BEGIN LAB 1 CODE
    panic("lab 1: f not implemented");

      return 0;
    // END LAB 1 CODE
}
EOF
}

@test "text outside regions is copied byte for byte, with its permissions" {
	printf 'line one\r\nline two\r\nno newline at the end' >src/dos.txt
	printf '#!/bin/sh\necho hello\n' >src/run.sh
	chmod 755 src/run.sh
	run cut_lab 1
	assert_success
	cmp src/dos.txt out/dos.txt
	cmp src/run.sh out/run.sh
	[ -x out/run.sh ]
}

@test "a later lab's region is stubbed; an earlier lab's is kept; both between code markers" {
	put kern/init.c <<'EOF'
void
init(void)
{
    // BEGIN LAB 1 SOLUTION
    one();
    // STUB: panic("lab 1: init_one not implemented");
    // END LAB 1 SOLUTION
    /* BEGIN LAB 2 SOLUTION */
    two();
    /* STUB: panic("lab 2: init_two not implemented"); */
    /* END LAB 2 SOLUTION */
    // BEGIN LAB 3 SOLUTION (no stub)
    three();
    // END LAB 3 SOLUTION
}
EOF
	run cut_lab 2
	assert_success
	assert_output --partial "regions cut: lab 2: 1, lab 3: 1 (kept: lab 1: 1)"
	assert_file out/kern/init.c <<'EOF'
void
init(void)
{
    // BEGIN LAB 1 CODE
    one();
    // END LAB 1 CODE
    /* BEGIN LAB 2 CODE */
    panic("lab 2: init_two not implemented");
    /* END LAB 2 CODE */
}
EOF
}

@test "LAB>=M blocks are kept from lab M on and removed before" {
	put kern/engines.c <<'EOF'
engines = {
    &te,
    // BEGIN LAB>=2
    &bt,
    // END LAB>=2
};
EOF
	run cut_lab 1
	assert_success
	assert_file out/kern/engines.c <<'EOF'
engines = {
    &te,
};
EOF
	run cut_lab 2 --force
	assert_success
	assert_file out/kern/engines.c <<'EOF'
engines = {
    &te,
    &bt,
};
EOF
}

@test "instructor blocks are removed, in C and in Markdown" {
	put kern/a.c <<'EOF'
int a;
// BEGIN INSTRUCTOR
// The usual wrong answer; this note may say STUB: and SOLUTION freely.
// END INSTRUCTOR
int b;
EOF
	put handouts/lab1.md <<'EOF'
# Lab 1
Question 1: why ring 1?
<!-- BEGIN INSTRUCTOR -->
Answer: so the guest kernel stays above user code.
<!-- END INSTRUCTOR -->
EOF
	run cut_lab 1
	assert_success
	assert_file out/kern/a.c <<'EOF'
int a;
int b;
EOF
	assert_file out/handouts/lab1.md <<'EOF'
# Lab 1
Question 1: why ring 1?
EOF
}

@test "HANDOUT: omit never copies a file; HANDOUT: lab>=M copies it from lab M on" {
	put grade/answers.txt <<'EOF'
# HANDOUT: omit
the answers, with a stray BEGIN LAB 7 SOLUTION that is never parsed
EOF
	put grade/bt-helpers.sh <<'EOF'
#!/usr/bin/env bash
# HANDOUT: lab>=2
set -euo pipefail
EOF
	chmod 755 src/grade/bt-helpers.sh
	run cut_lab 1
	assert_success
	assert_output --partial "2 files omitted"
	[ ! -e out/grade/answers.txt ]
	[ ! -e out/grade/bt-helpers.sh ]
	run cut_lab 2 --force
	assert_success
	assert_output --partial "1 file omitted"
	[ ! -e out/grade/answers.txt ]
	[ -x out/grade/bt-helpers.sh ]
	assert_file out/grade/bt-helpers.sh <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
EOF
}

@test "labs above N are left out: their directories, grade suites and handouts" {
	local n
	for n in 1 2 3; do
		echo "lab $n" | put "lab$n-x/code.c"
		echo "lab $n" | put "grade/lab$n.bats"
		echo "lab $n" | put "handouts/lab$n.md"
	done
	echo common | put conf/lab.mk
	echo common | put grade/lab-common.bash
	run cut_lab 2
	assert_success
	assert_output --partial "3 files omitted"
	for n in 1 2; do
		[ -f "out/lab$n-x/code.c" ] && [ -f "out/grade/lab$n.bats" ] && [ -f "out/handouts/lab$n.md" ]
	done
	[ ! -e out/lab3-x ] && [ ! -e out/grade/lab3.bats ] && [ ! -e out/handouts/lab3.md ]
	[ -f out/conf/lab.mk ] && [ -f out/grade/lab-common.bash ]
}

@test "the cutter, its tests and MARKERS.md are never copied or parsed" {
	echo "# BEGIN LAB 1 SOLUTION, never closed" | put handouts/cut
	echo "# END INSTRUCTOR out of nowhere" | put handouts/test/cut.bats
	echo "<!-- STUB: an example -->" | put handouts/MARKERS.md
	echo "# Lab 1" | put handouts/lab1.md
	run cut_lab 1
	assert_success
	run ls -A out/handouts
	assert_output lab1.md
}

@test "binary files are copied untouched and never parsed" {
	printf '\177ELF\000\001// BEGIN LAB 1 SOLUTION\n\000STUB: x\n' >src/blob.bin
	run cut_lab 1
	assert_success
	cmp src/blob.bin out/blob.bin
}

@test "a walk skips obj/ and .git/; a git checkout copies what git lists" {
	echo kept | put kern/a.c
	echo built | put obj/kern/a.o
	echo git | put .git/HEAD
	run cut_lab 1
	assert_success
	[ -f out/kern/a.c ] && [ ! -e out/obj ] && [ ! -e out/.git ]

	rm -rf src/.git out
	git -C src init -q
	echo '*.log' | put .gitignore
	echo tracked | put tracked.c
	git -C src add tracked.c .gitignore
	echo new | put untracked.c
	echo noise | put run.log
	run cut_lab 1
	assert_success
	[ -f out/tracked.c ] && [ -f out/untracked.c ] && [ -f out/.gitignore ]
	[ ! -e out/run.log ] && [ ! -e out/.git ] && [ ! -e out/obj ]
}

@test "a non-empty output directory is replaced only with --force" {
	echo new | put a.c
	mkdir out
	echo stale >out/old.c
	run cut_lab 1
	assert_failure 1
	assert_output --partial "not empty (use --force"
	[ -f out/old.c ] && [ ! -e out/a.c ]
	run cut_lab 1 --force
	assert_success
	[ ! -e out/old.c ] && [ -f out/a.c ]
}

@test "the output may not be the source tree or hold it" {
	echo precious | put a.c
	run "$CUT" --lab 1 --out src --src src --force
	assert_failure 1
	assert_output --partial "over the source tree"
	run "$CUT" --lab 1 --out . --src src --force
	assert_failure 1
	[ -f src/a.c ]
}

@test "--check passes a well-formed tree and writes nothing" {
	put kern/a.c <<'EOF'
// BEGIN LAB 1 SOLUTION
x();
// STUB: panic("lab 1: x not implemented");
// END LAB 1 SOLUTION
EOF
	run "$CUT" --check --src src
	assert_success
	assert_output --partial "solution regions: lab 1: 1"
	assert_nothing_written
}

# ---- Malformed markers: each names file:line, and nothing is written ----

@test "error: END without BEGIN (lines are counted at newlines only)" {
	printf 'int a;\f\n// END LAB 1 SOLUTION\n' | put kern/a.c
	expect_error kern/a.c:2 "'END LAB 1 SOLUTION' without a matching BEGIN"
}

@test "error: a BEGIN inside another region" {
	put kern/a.c <<'EOF'
// BEGIN LAB 1 SOLUTION
// STUB: panic("lab 1");
// BEGIN INSTRUCTOR
// END INSTRUCTOR
// END LAB 1 SOLUTION
EOF
	expect_error kern/a.c:3 "'BEGIN INSTRUCTOR' inside another region"
}

@test "error: END for another lab than the BEGIN" {
	put kern/a.c <<'EOF'
# BEGIN LAB 1 SOLUTION
# STUB: false
# END LAB 2 SOLUTION
EOF
	expect_error kern/a.c:3 "'END LAB 2 SOLUTION' does not match the BEGIN LAB 1 SOLUTION at line 1"
}

@test "error: END of another kind of block than the BEGIN" {
	put kern/a.c <<'EOF'
// BEGIN LAB>=2
// END INSTRUCTOR
EOF
	expect_error kern/a.c:2 "'END INSTRUCTOR' does not match the BEGIN LAB>=2 at line 1"
}

@test "error: STUB outside a solution region" {
	printf 'int a;\n\n// STUB: panic("x");\n' | put kern/a.c
	expect_error kern/a.c:3 "STUB outside a BEGIN LAB n SOLUTION region"
}

@test "error: a region left open at the end of the file is reported at its BEGIN" {
	put kern/a.c <<'EOF'
int a;
/* BEGIN LAB 1 SOLUTION */
a = 1;
/* STUB: panic("lab 1"); */
EOF
	expect_error kern/a.c:2 "BEGIN LAB 1 SOLUTION is never closed"
}

@test "error: unknown words after BEGIN" {
	printf '// BEGIN LAB 1 SOLUTON\n' | put kern/a.c
	expect_error kern/a.c:1 "unknown marker 'BEGIN LAB 1 SOLUTON'"
	printf 'x\n# BEGIN TABLE\n' | put kern/a.c
	expect_error kern/a.c:2 "unknown marker 'BEGIN TABLE'"
}

@test "error: a region without a STUB line, unless marked (no stub)" {
	put kern/a.c <<'EOF'
// BEGIN LAB 1 SOLUTION
a = 1;
// END LAB 1 SOLUTION
EOF
	expect_error kern/a.c:1 "region has no STUB line"
	sed -i '1s/SOLUTION/SOLUTION (no stub)/' src/kern/a.c
	run "$CUT" --check --src src
	assert_success
}

@test "error: a STUB in a region marked (no stub)" {
	put kern/a.c <<'EOF'
// BEGIN LAB 1 SOLUTION (no stub)
// STUB: panic("lab 1");
// END LAB 1 SOLUTION
EOF
	expect_error kern/a.c:2 "STUB in a region marked (no stub)"
}

@test "error: a HANDOUT marker after the first lines" {
	printf '1\n2\n3\n4\n5\n# HANDOUT: omit\n' | put grade/x.sh
	expect_error grade/x.sh:6 "'HANDOUT: omit' must be the only HANDOUT marker"
}

@test "error: an earlier lab's region in a later lab's files, even when the cut leaves them out" {
	put lab3-bt/tc.c <<'EOF'
// BEGIN LAB 2 SOLUTION
// STUB: panic("lab 2");
// END LAB 2 SOLUTION
EOF
	expect_error lab3-bt/tc.c:1 "a lab 2 region in a file that only handouts of lab 3"
}

@test "errors in several files are all reported" {
	printf '// END INSTRUCTOR\n' | put a.c
	printf 'ok\n// STUB: x\n' | put b.c
	run cut_lab 1
	assert_failure 1
	assert_output --partial "src/a.c:1: error:"
	assert_output --partial "src/b.c:2: error:"
	assert_output --partial "2 error(s); no handout written"
	assert_nothing_written
}

# ---- The guard: no marker text survives into a handout ----

@test "guard: a lower-case marker is not a marker, and may not be handed out" {
	put kern/a.c <<'EOF'
int a;
// begin lab 1 solution
a = 1;
// end lab 1 solution
EOF
	expect_error kern/a.c:2 "marker text would remain in a handout: // begin lab 1 solution"
}

@test "guard: a marker with code on its line may not be handed out" {
	printf 'int a;\nint b; /* END LAB 1 SOLUTION */\n' | put kern/a.c
	expect_error kern/a.c:2 "marker text would remain"
	printf 'x = 1; //BEGIN_LAB_1_SOLUTION\n' | put kern/a.c
	expect_error kern/a.c:1 "marker text would remain"
}

@test "guard: marker words inside a stub or a kept region are caught" {
	put kern/a.c <<'EOF'
// BEGIN LAB 1 SOLUTION
// STUB: panic("STUB: fill me in");
// END LAB 1 SOLUTION
EOF
	expect_error kern/a.c:2 "marker text would remain"
	put kern/a.c <<'EOF'
// BEGIN LAB 1 SOLUTION
x(); // the INSTRUCTOR version
// STUB: panic("lab 1: x not implemented");
// END LAB 1 SOLUTION
EOF
	expect_error kern/a.c:2 "marker text would remain"
}

# ---- Partial cuts: --list-regions, --only, --stub-from ----

# make_exercise_tree: lab 1 has three regions in two files, exercises 1
# to 3 (the second names none on the lines just above it: its contract
# comment is further up); lab 2 has one region in kern/ (a later lab's
# hook).
make_exercise_tree() {
	put kern/a.c <<'EOF'
int
one(void)
{
	// LAB 1: Exercise 1.  Return 1.
	// BEGIN LAB 1 SOLUTION
	return 1;
	// STUB: return -1;
	// END LAB 1 SOLUTION
}

/*
 * three: return 3 (exercise 3).
 */
int
three(void)
{
	// LAB 1: Your code here.
	// BEGIN LAB 1 SOLUTION
	return 3;
	// STUB: return -3;
	// END LAB 1 SOLUTION
}

int
hook(void)
{
	// BEGIN LAB 2 SOLUTION
	return 20;
	// STUB: return -20;
	// END LAB 2 SOLUTION
}
EOF
	put lab1-x/b.c <<'EOF'
int
two(void)
{
	// Exercise 5 is in another file.
	// (not this one)

	// LAB 1: Exercise 2.  Return 2.
	// BEGIN LAB 1 SOLUTION
	return 2;
	// STUB: return -2;
	// END LAB 1 SOLUTION
}
EOF
}

# returns: what out/'s functions return, in the order one three hook two.
returns() {
	cat out/kern/a.c out/lab1-x/b.c | sed -n 's/^[[:space:]]*return \(.*\);$/\1/p' |
		paste -sd ' '
}

@test "--list-regions: each region of lab N, its id and the exercise named just above it" {
	make_exercise_tree
	run "$CUT" --list-regions --lab 1 --src src
	assert_success
	assert_output "$(printf '%s\t%s\n' kern/a.c:5 'exercise 1' kern/a.c:18 - \
		lab1-x/b.c:8 'exercise 2')"
	run "$CUT" --list-regions --lab 2 --src src
	assert_success
	assert_output "$(printf 'kern/a.c:27\t-')"
	run -2 "$CUT" --list-regions --lab 1 --out out --src src
	assert_nothing_written
}

@test "--only cuts the regions named, keeps the lab's others solved and later labs cut" {
	make_exercise_tree
	run cut_lab 1 --only lab1-x/b.c:8
	assert_success
	assert_output --partial "regions cut: lab 1: 1, lab 2: 1 (kept: lab 1: 2)"
	assert_output --partial "lab 1 regions cut: lab1-x/b.c:8; kept solved: 2"
	run returns
	assert_output "1 3 -20 -2"
	run cut_lab 1 --force --only ex1,kern/a.c:18
	assert_success
	run returns
	assert_output "-1 -3 -20 2"
	run cut_lab 1 --force --only ''
	assert_success
	assert_output --partial "lab 1 regions cut: none; kept solved: 3"
	run returns
	assert_output "1 3 -20 2"
	run cut_lab 2 --force --only kern/a.c:27
	assert_success
	run returns
	assert_output "1 3 -20 2"
}

@test "--stub-from K keeps exercises 1..K-1 solved and cuts the rest" {
	make_exercise_tree
	sed -i 's/LAB 1: Your code here\./LAB 1: Exercise 3./' src/kern/a.c
	local k
	local -a want=("" "-1 -3 -20 -2" "1 -3 -20 -2" "1 -3 -20 2" "1 3 -20 2")
	for k in 1 2 3 4; do
		run cut_lab 1 --force --stub-from "$k"
		assert_success
		run returns
		assert_output "${want[k]}"
	done
}

@test "--only and --stub-from refuse what they cannot resolve, and write nothing" {
	make_exercise_tree
	run -2 cut_lab 1 --only kern/a.c:6
	assert_output --partial "--only kern/a.c:6: no solution region of this lab begins there"
	run -2 cut_lab 1 --only ex9
	assert_output --partial "--only ex9: no solution region of this lab names it"
	run -2 cut_lab 1 --only kern/a.c:27
	run -2 cut_lab 1 --only ex1 --stub-from 2
	assert_output --partial "do not go together"
	run -2 "$CUT" --check --src src --only ex1
	run -1 cut_lab 1 --stub-from 2
	assert_output --partial "src/kern/a.c:18: error: the region names no exercise"
	assert_nothing_written
}

# ---- End to end: the tests test something ----

# make_calc_tree: a two-lab tree in src. Lab 1 writes add() in calc.c, lab 2
# writes mul() in lab2-mul/; `make test` runs test.sh, which checks both
# once lab 2 exists.
make_calc_tree() {
	put calc.h <<'EOF'
#include <stdio.h>
#include <stdlib.h>

#define panic(msg) do { fprintf(stderr, "panic: %s\n", msg); exit(1); } while (0)

int add(int a, int b);
// BEGIN LAB>=2
int mul(int a, int b);
// END LAB>=2
EOF
	put calc.c <<'EOF'
#include "calc.h"

/*
 * add: return a + b.
 */
int
add(int a, int b)
{
	// LAB 1: Your code here.
	// BEGIN LAB 1 SOLUTION
	return a + b;
	// STUB: panic("lab 1: add not implemented");
	// END LAB 1 SOLUTION
}

int
main(int argc, char **argv)
{
	int a = atoi(argv[1]), b = atoi(argv[2]);

	printf("add %d\n", add(a, b));
	// BEGIN LAB>=2
	printf("mul %d\n", mul(a, b));
	// END LAB>=2
	return 0;
}
EOF
	put lab2-mul/mul.c <<'EOF'
#include "../calc.h"

/*
 * mul: return a * b.
 */
int
mul(int a, int b)
{
	// LAB 2: Your code here.
	// BEGIN LAB 2 SOLUTION
	return a * b;
	// STUB: panic("lab 2: mul not implemented");
	// END LAB 2 SOLUTION
}
EOF
	printf '%s\n' \
		'SRCS := calc.c $(wildcard lab2-mul/*.c)' \
		'calc: $(SRCS) calc.h' \
		'	cc -Wall -Werror -o $@ $(SRCS)' \
		'test: calc' \
		'	./test.sh' | put Makefile
	put test.sh <<'EOF'
#!/usr/bin/env bash
# Check calc's answers for 2 and 3.
set -euo pipefail
# BEGIN INSTRUCTOR
# The mul line joins the expected output once lab 2 is in the tree.
# END INSTRUCTOR
expected="add 5"
# BEGIN LAB>=2
expected="$expected
mul 6"
# END LAB>=2
actual="$(./calc 2 3)"
[ "$actual" = "$expected" ] || { echo "FAIL: got '$actual'" >&2; exit 1; }
echo PASS
EOF
	chmod 755 src/test.sh
}

@test "end to end: the reference passes; each lab's handout builds and fails" {
	command -v cc >/dev/null || skip "no C compiler"
	make_calc_tree

	run make -s -C src test
	assert_success
	assert_output --partial PASS
	rm src/calc

	run cut_lab 1
	assert_success
	[ ! -e out/lab2-mul ]
	run make -s -C out calc
	assert_success
	run make -s -C out test
	assert_failure
	assert_output --partial "panic: lab 1: add not implemented"

	run cut_lab 2 --force
	assert_success
	run make -s -C out calc
	assert_success
	run make -s -C out test
	assert_failure
	assert_output --partial "panic: lab 2: mul not implemented"
	refute_output --partial "lab 1"

	# Only the code markers, which a later cut uses to find the student's code.
	run bash -c "grep -rnE 'BEGIN|END |STUB|HANDOUT|INSTRUCTOR|SOLUTION' out |
		grep -vE '// (BEGIN|END) LAB [12] CODE$'"
	assert_failure 1
}

# ---- handouts/Makefrag ----

@test "make handout needs LAB, reruns with --force, and hands out no cutter" {
	mkdir -p src/handouts/test
	cp "$CUT" "$BATS_TEST_DIRNAME/../Makefrag" "$BATS_TEST_DIRNAME/../MARKERS.md" src/handouts/
	cp "$BATS_TEST_FILENAME" src/handouts/test/
	printf 'V ?= @\n-include handouts/Makefrag\n' | put GNUmakefile
	echo "# Lab 1" | put handouts/lab1.md

	run make -C src handout
	assert_failure
	assert_output --partial "make handout LAB=N"
	[ ! -e src/obj ]

	run make -C src handout LAB=1
	assert_success
	run make -C src handout LAB=1
	assert_success
	assert_output --partial "lab 1 handout in obj/handout-lab1"
	run ls -A src/obj/handout-lab1 src/obj/handout-lab1/handouts
	assert_output "src/obj/handout-lab1:
.git
GNUmakefile
handouts

src/obj/handout-lab1/handouts:
lab1.md"

	run make -C src handout-lint
	assert_success
}

# ---- The student's tree: README, git, handin, carry-over ----

# region_body FILE K: the lines between the K-th pair of code markers.
region_body() {
	awk -v k="$2" '/(BEGIN|END) LAB [0-9]+ CODE/ { if ($0 ~ /BEGIN/) n++; inside = ($0 ~ /BEGIN/); next }
		inside && n == k' "$1"
}

# set_region_body FILE K TEXT: replace the K-th code region's lines by TEXT.
set_region_body() {
	awk -v k="$2" -v text="$3" '
		/(BEGIN|END) LAB [0-9]+ CODE/ {
			if ($0 ~ /BEGIN/) { n++; inside = 1; print; if (n == k) print text; next }
			inside = 0
		}
		!(inside && n == k)' "$1" >"$1.new"
	mv "$1.new" "$1"
}

@test "handouts/README.student.md is the handout's README.md, cut for the lab" {
	echo "# vmmlab: this tree is the reference solution" | put README.md
	put handouts/README.student.md <<'EOF'
<!-- BEGIN INSTRUCTOR -->
<!-- A note for instructors. -->
<!-- END INSTRUCTOR -->
# vmmlab: your handout
- lab 1
<!-- BEGIN LAB>=2 -->
- lab 2
<!-- END LAB>=2 -->
EOF
	run cut_lab 1
	assert_success
	assert_file out/README.md <<'EOF'
# vmmlab: your handout
- lab 1
EOF
	[ ! -e out/handouts/README.student.md ]
	run cut_lab 2 --force
	assert_success
	assert_file out/README.md <<'EOF'
# vmmlab: your handout
- lab 1
- lab 2
EOF
	rm src/handouts/README.student.md
	run cut_lab 1 --force
	assert_success
	cmp src/README.md out/README.md
}

@test "the real lab 1 handout: README and make help hold no reference-only text and no later lab" {
	local ref="$BATS_TEST_DIRNAME/../.."
	run "$CUT" --lab 1 --out out --no-git --src "$ref"
	assert_success
	run grep -nEi 'reference solution|handout-check|handout-lint|make handout|MARKERS|lab ?[2-5]|mode=(bt|vt|hybrid)' out/README.md
	assert_failure 1
	grep -q 'make handin' out/README.md
	run make -s -C out help
	assert_success
	assert_output --partial "make handin"
	assert_output --partial "MODE=native|te "
	refute_output --partial "make handout"
	refute_output --partial "handout-"
	refute_output --partial "lab 2"
	refute_output --partial "lab 3"
	refute_output --partial "BEGIN"
	refute_output --partial "cutter"
}

@test "a cut is a git repository with one commit; --no-git makes none; a repository there stays" {
	echo "int a;" | put a.c
	run "$CUT" --lab 1 --out out --src src
	assert_success
	run git -C out log --format=%s
	assert_success
	assert_output "lab 1 handout"
	run git -C out status --porcelain
	assert_output ""
	git -C out ls-files --error-unmatch a.c

	# The student commits; a new cut over the tree keeps the history and
	# leaves the change to review.
	echo "int b;" >out/b.c
	git -C out add b.c
	git -C out -c user.name=s -c user.email=s@x commit -qm "my work"
	echo "int a = 1;" | put a.c
	run "$CUT" --lab 1 --out out --src src --force
	assert_success
	assert_output --partial "out/.git kept"
	run git -C out log --format=%s
	assert_output "my work
lab 1 handout"
	run git -C out status --porcelain
	assert_output --partial " M a.c"

	run cut_lab 1 --force
	[ ! -e out/.git ]
}

@test "make handin packs the tree, uncommitted changes and results, with a MANIFEST line" {
	local ref="$BATS_TEST_DIRNAME/../.."
	run "$CUT" --lab 1 --out out --src "$ref"
	assert_success
	mkdir -p out/obj/grade
	echo '{"score": 12, "max_score": 32, "tests": []}' >out/obj/grade/results.json
	echo '<testsuites/>' >out/obj/grade/junit.xml

	run make -s -C out handin HANDIN_GRADE=0
	assert_success
	assert_output --partial "wrote obj/handin-lab1.tar.gz"
	assert_output --partial "score 12/32"
	refute_output --partial "warning"
	run tar tzf out/obj/handin-lab1.tar.gz
	assert_line MANIFEST
	assert_line src/README.md
	assert_line src/GNUmakefile
	assert_line results/results.json
	assert_line results/junit.xml
	refute_line --regexp '^src/(obj|\.git)/'
	run tar xzOf out/obj/handin-lab1.tar.gz MANIFEST
	assert_line --index 0 --regexp \
		'^vmmlab handin lab=1 date=[0-9TZ:-]+ user=[^ ]+ head=[0-9a-f]{7,} dirty=no score=12/32$'

	# Forgot to commit: packed anyway, with a warning.
	echo "/* not committed 5c1e */" >>out/kern/init.c
	run make -s -C out handin HANDIN_GRADE=0
	assert_success
	assert_output --partial "1 file(s) not committed (kern/init.c)"
	assert_output --partial "older than kern/init.c"
	run tar xzOf out/obj/handin-lab1.tar.gz src/kern/init.c
	assert_output --partial "not committed 5c1e"
	run tar xzOf out/obj/handin-lab1.tar.gz MANIFEST
	assert_line --index 0 --partial "dirty=yes"

	# No results: the tarball is written, without them, and make fails.
	rm -r out/obj/grade
	run make -s -C out handin HANDIN_GRADE=0
	assert_failure
	assert_output --partial "no obj/grade/results.json"
	assert_output --partial "score none"
	run tar tzf out/obj/handin-lab1.tar.gz
	refute_line results/results.json
}

@test "carry-over: a lab 2 cut --from a lab 1 tree holds the student's lab 1 code" {
	command -v cc >/dev/null || skip "no C compiler"
	make_calc_tree
	run cut_lab 1
	assert_success
	mv out lab1
	set_region_body lab1/calc.c 1 '	return b + a; /* mine 7f3a */'

	run cut_lab 2 --from lab1
	assert_success
	assert_output --partial "the student's code from lab1 in regions of lab 1: 1"
	refute_output --partial "warning"
	run region_body out/calc.c 1
	assert_output '	return b + a; /* mine 7f3a */'
	run make -s -C out test
	assert_failure
	assert_output --partial "panic: lab 2: mul not implemented"

	# From a lab 2 tree, lab 2's own code comes along too.
	mv out lab2
	set_region_body lab2/lab2-mul/mul.c 1 '	return b * a; /* mine 9d2c */'
	run cut_lab 2 --from lab2
	assert_success
	assert_output --partial "in regions of lab 1: 1, lab 2: 1"
	run make -s -C out test
	assert_success
	grep -q 'mine 9d2c' out/lab2-mul/mul.c
	grep -q 'mine 7f3a' out/calc.c

	# What is not carried over is named.
	echo "int helper;" >>lab2/calc.c
	echo notes >lab2/notes.txt
	run cut_lab 2 --from lab2 --force
	assert_success
	assert_output --partial "warning: not carried over from lab2: changes outside the code regions of its lab 2 handout (yours, or the reference's since) in 1 file: calc.c"
	assert_output --partial "the handout does not have: "
	assert_output --partial "notes.txt"
}

@test "carry-over fails with one line naming the file and the region whose markers are gone" {
	make_calc_tree
	run cut_lab 1
	assert_success
	mv out lab1
	sed -i '/END LAB 1 CODE/d; /BEGIN LAB 1 CODE/d' lab1/calc.c
	run cut_lab 2 --from lab1
	assert_failure 1
	assert_line "lab1/calc.c: error: lab 1 region 1 of 1 (the reference's calc.c:10) is not there: its 'BEGIN LAB 1 CODE' and 'END LAB 1 CODE' lines are missing"
	assert_output --partial "1 error(s) in the student's tree lab1; no handout written"
	[ ! -e out ]

	rm lab1/calc.c
	run cut_lab 2 --from lab1
	assert_failure 1
	assert_output --partial "lab1/calc.c: error: missing or not text"
	run -2 cut_lab 2 --from nowhere
	assert_output --partial "--from nowhere: no such file"
}

@test "carry-over of the real tree: make handout LAB=2 FROM=a handin tarball of lab 1" {
	local ref="$BATS_TEST_DIRNAME/../.." first file
	run "$CUT" --lab 1 --out lab1 --src "$ref"
	assert_success
	first=$("$CUT" --list-regions --lab 1 --src "$ref" | head -n 1)
	file=${first%%:*}
	set_region_body "lab1/$file" 1 '	panic("student 3b9e was here");'
	mkdir -p lab1/obj/grade
	echo '{"score": 1, "max_score": 32, "tests": []}' >lab1/obj/grade/results.json
	run make -s -C lab1 handin HANDIN_GRADE=0
	assert_success

	run make -s -C "$ref" handout LAB=2 HANDOUT_GIT=0 \
		HANDOUT_DIR="$PWD/lab2" FROM="$PWD/lab1/obj/handin-lab1.tar.gz"
	assert_success
	assert_output --partial "in regions of lab 1: 7"
	refute_output --partial "warning"
	run region_body "lab2/$file" 1
	assert_output '	panic("student 3b9e was here");'
	# Without FROM, the reference's code is there.
	run make -s -C "$ref" handout LAB=2 HANDOUT_GIT=0 HANDOUT_DIR="$PWD/ref2"
	assert_success
	run region_body "ref2/$file" 1
	refute_output --partial "student 3b9e"
	[ -n "$output" ]
}
