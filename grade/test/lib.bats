#!/usr/bin/env bats
# Self-test of the grading helpers (grade/lib.bash, grade/results.py),
# without QEMU: "make test-grade" runs it in a second or two.

load ../lib

setup() {
	cd "$BATS_TEST_TMPDIR"
	printf '%s\r\n' 'vmmlab guest OS, 65408 KiB of memory' \
		'fidelity: sgdt: base=c01a7fc0 limit=003f' \
		'timing: bench in 171.3 cycles/op (32768 iters)' \
		'fidelity: user sgdt: base=0xc01a7fc0 limit=0x003f' \
		'kernel: power off, status 0' >native.log
}

# other.log: native.log with sed script $1 applied, plus timing and
# monitor lines that never count.
make_other() {
	sed -e 's/\r$//' -e "$1" native.log |
		sed -e 's/^timing: bench in .*/timing: bench in 9999.9 cycles\/op (8 iters)/' \
			-e '1i vmm: te mode, guest memory 64 MiB' >other.log
}

@test "line_key: the first two fields, or the whole line" {
	line_key 'fidelity: user sgdt: base=0xc01a7fc0 limit=0x003f'
	[[ $KEY == 'fidelity: user sgdt' ]]
	line_key 'fidelity: lar/lsl/verr/verw tss: lar=1:00408b00'
	[[ $KEY == 'fidelity: lar/lsl/verr/verw tss' ]]
	line_key 'kernel: power off, status 0'
	[[ $KEY == 'kernel: power off, status 0' ]]
}

@test "fidelity_compare: timing, vmm: lines and \\r do not count" {
	make_other ''
	fidelity_compare native.log other.log native te
}

@test "fidelity_compare: a differing line fails and shows a diff" {
	make_other 's/^fidelity: sgdt: .*/fidelity: sgdt: base=fc001000 limit=003f/'
	run fidelity_compare native.log other.log native te
	assert_failure
	assert_output --partial "'fidelity: sgdt' differs, and it should not"
	assert_output --partial '-fidelity: sgdt: base=c01a7fc0 limit=003f'
	assert_output --partial '+fidelity: sgdt: base=fc001000 limit=003f'
}

@test "fidelity_compare: an expected difference passes" {
	make_other 's/^fidelity: sgdt: .*/fidelity: sgdt: base=fc001000 limit=003f/'
	fidelity_compare native.log other.log native te 'fidelity: sgdt'
}

@test "fidelity_compare: an expected difference that does not happen fails" {
	make_other 's/^fidelity: sgdt: .*/fidelity: sgdt: base=fc001000 limit=003f/'
	run fidelity_compare native.log other.log native te \
		'fidelity: sgdt' 'fidelity: user sgdt'
	assert_failure
	assert_output --partial "'fidelity: user sgdt' was expected to differ, but it is the same"
}

@test "fidelity_compare: a key that names no line fails" {
	make_other ''
	run fidelity_compare native.log other.log native te 'fidelity: sgtd'
	assert_failure
	assert_output --partial "'fidelity: sgtd' was expected to differ, but native has no such line"
}

@test "fidelity_compare: a missing or an extra line fails, allowed or not" {
	make_other '/^fidelity: user sgdt/d'
	run fidelity_compare native.log other.log native te 'fidelity: user sgdt'
	assert_failure
	assert_output --partial 'native printed 4 lines, te 3'
	make_other 's/^kernel: power off.*/kernel: panic at kern\/trap.c:1: oops/'
	run fidelity_compare native.log other.log native te
	assert_failure
	assert_output --partial "line 4 is 'kernel: power off, status 0' in native but 'kernel: panic at kern/trap.c:1' in te"
}

# fake_boot NAME STATUS LOG: stand in for boot NAME, as a run that
# printed LOG and ended with STATUS.
fake_boot() {
	mkdir -p "$BATS_FILE_TMPDIR/boot"
	tr -d '\r' <"$3" >"$(boot_file "$1" log)"
	echo "$2" >"$(boot_file "$1" status)"
	echo "  reproduce: (a fake run)" >"$(boot_file "$1" cmd)"
	boot_use "$1"
}

@test "fidelity_check: two runs that agree on an unexpected status fail" {
	sed 's/^kernel: power off.*/kernel: panic at kern\/trap.c:1: oops/' \
		native.log >panic.log
	# Both runs panic, with the same output.
	boot() { fake_boot "$1" 120 panic.log; }
	run fidelity_check same te test=fidelity
	assert_failure
	assert_output --partial 'FAIL: expected the native run to end with status 0, not 120'
	run fidelity_check_with same te shadow=traced test=fidelity
	assert_failure
	# A test that expects the panic says so, and then they pass.
	fidelity_check --status 120 same te test=fidelity
	fidelity_check_with --status 120 same te shadow=traced test=fidelity
	run fidelity_check --status 78 same te test=fidelity
	assert_failure
	run fidelity_check --status panic same te test=fidelity
	assert_failure
	assert_output "fidelity_check: --status needs a number, not 'panic'"
}

@test "fidelity_check: the run in MODE must end as the native run does" {
	boot() {
		if [[ $1 == *-native ]]; then
			fake_boot "$1" 0 native.log
		else
			fake_boot "$1" 122 native.log
		fi
	}
	run fidelity_check stops te init=hello
	assert_failure
	assert_output --partial 'FAIL: the native run ended with status 0, as expected, the te run with 122'
	boot() { fake_boot "$1" 0 native.log; }
	fidelity_check agrees te init=hello
}

@test "grade_timeout: scales and rounds up; rejects nonsense" {
	[[ $(GRADE_TIMEOUT_SCALE=1 grade_timeout 60) == 60 ]]
	[[ $(GRADE_TIMEOUT_SCALE=2.5 grade_timeout 60) == 150 ]]
	[[ $(GRADE_TIMEOUT_SCALE=0.01 grade_timeout 60) == 1 ]]
	[[ $(GRADE_TIMEOUT_SCALE=.5 grade_timeout 3) == 2 ]]
	GRADE_TIMEOUT_SCALE=fast run grade_timeout 60
	assert_failure
	GRADE_TIMEOUT_SCALE=0 run grade_timeout 60
	assert_failure
}

@test "boot_commands: reproduce with qemu-run and with make ...-gdb" {
	boot_options --mode te --append 'init=forkwait 1000'
	run boot_commands 60
	assert_line "  reproduce: grade/qemu-run --mode te --append 'init=forkwait 1000' --timeout 60"
	assert_line '  with gdb:  make run-forkwait-nox-gdb MODE=te ARGS=1000'
	boot_options --mode native --append test=fidelity --vmm-args shadow=rebuild
	ACCEL=kvm run boot_commands 90
	assert_line '  reproduce: grade/qemu-run --mode native --accel kvm --append test=fidelity --vmm-args shadow=rebuild --timeout 90'
	assert_line '  with gdb:  make qemu-nox-gdb MODE=native ACCEL=kvm VMM_ARGS=shadow=rebuild APPEND=test=fidelity'
	boot_options --append init=hello --kernel /tmp/bad
	run boot_commands 90
	assert_line '  with gdb:  grade/qemu-run --mode native --append init=hello --kernel /tmp/bad --interactive --gdb $(make -s print-gdbport)'
}

@test "boot_options: defaults count, so a reused run matches itself" {
	GRADE_MODE=te
	boot_options --append init=hello
	local a
	a=$(boot_describe)
	boot_options --mode te --append init=hello --until '^x'
	[[ $(boot_describe) == "$a" ]]
	boot_options --mode native --append init=hello
	[[ $(boot_describe) != "$a" ]]
	run boot_options --apend init=hello
	assert_failure
	assert_output "boot: unknown option '--apend', or no value after it"
	run boot_options --append
	assert_failure
}

@test "results.py: points, tags, skips, failures and runs that stop early" {
	cp "$GRADE_TOP/grade/test/scoring.fixture" t.bats
	# A bats of its own, which must not see this one's environment.
	local path
	path=$(tr ':' '\n' <<<"$PATH" | grep -v bats-core | paste -sd:)
	env -i PATH="$path" HOME="$HOME" bats -T -F tap t.bats >tap.txt 3>&- || true
	run python3 "$GRADE_TOP/grade/results.py" suite demo t.bats out <tap.txt
	assert_success
	assert_output --partial 'demo: Score: 3/5'
	python3 - <<-'EOP'
		import json
		r = json.load(open("out/results.json"))
		assert (r["score"], r["max_score"]) == (3, 5), r
		t = {x["name"]: x for x in r["tests"]}
		assert t["passes"]["score"] == 3 and t["passes"]["status"] == "passed"
		assert t["fails"]["score"] == 0 and t["fails"]["max_score"] == 2
		assert "why it failed" in t["fails"]["output"]
		assert t["fails"]["tags"] == ["demo", "handout-pass", "slow"]
		# A skip is out of the maximum: it is worth nothing either way.
		assert t["skips"]["status"] == "skipped" and t["skips"]["skipped"]
		assert t["skips"]["max_score"] == 0
		assert t["skips"]["tags"] == ["demo", "needs-vmm"]
		assert t["worth nothing"]["max_score"] == 0
		assert t["blank line drops the points"]["max_score"] == 0
	EOP
	grep -q '<failure message="0/2 points"' out/junit.xml
	# A suite that stops after the first test: the rest score 0.
	head -2 tap.txt | python3 "$GRADE_TOP/grade/results.py" suite demo t.bats cut >/dev/null
	run python3 "$GRADE_TOP/grade/results.py" total . out cut
	assert_failure
	assert_output --partial 'Score: 6/11'
	grep -q 'did not run' cut/results.json
}

@test "GRADE_FAIL_FAST=1 skips the rest of a file after a failed test with points" {
	cp "$GRADE_TOP/grade/test/failfast.fixture" t.bats
	local path
	path=$(tr ':' '\n' <<<"$PATH" | grep -v bats-core | paste -sd:)
	env -i PATH="$path" HOME="$HOME" GRADE_LIB="$GRADE_TOP/grade/lib" \
		bats -F tap t.bats >all.txt 3>&- || true
	env -i PATH="$path" HOME="$HOME" GRADE_LIB="$GRADE_TOP/grade/lib" \
		GRADE_FAIL_FAST=1 bats -F tap t.bats >fast.txt 3>&- || true
	run grep -E '^(not )?ok' all.txt
	assert_output "ok 1 passes
not ok 2 fails, worth nothing
not ok 3 fails, graded
ok 4 after the graded failure"
	run grep -E '^(not )?ok' fast.txt
	assert_output "ok 1 passes
not ok 2 fails, worth nothing
not ok 3 fails, graded
ok 4 after the graded failure # skip fail-fast: stopped after 'fails, graded' failed"
}

@test "results.py: TEST= (GRADE_FILTER) scores only the tests it names" {
	cp "$GRADE_TOP/grade/test/scoring.fixture" t.bats
	GRADE_FILTER='^(passes|fails)$' run python3 "$GRADE_TOP/grade/results.py" count t.bats
	assert_output 2
	GRADE_FILTER='no such test' run python3 "$GRADE_TOP/grade/results.py" count t.bats
	assert_output 0
	local path
	path=$(tr ':' '\n' <<<"$PATH" | grep -v bats-core | paste -sd:)
	env -i PATH="$path" HOME="$HOME" bats -T -F tap -f '^passes$' t.bats >tap.txt 3>&- || true
	GRADE_FILTER='^passes$' run python3 "$GRADE_TOP/grade/results.py" suite demo t.bats out <tap.txt
	assert_success
	assert_output --partial "1 of its 5 tests (TEST='^passes\$')"
	assert_output --partial 'demo: Score: 3/3'
	GRADE_FILTER='(' run python3 "$GRADE_TOP/grade/results.py" count t.bats
	assert_failure
	assert_output --partial 'is not a regular expression'
}

@test "results.py: a failure with the same panic as an earlier one is one line" {
	cp "$GRADE_TOP/grade/test/repeat.fixture" t.bats
	local path
	path=$(tr ':' '\n' <<<"$PATH" | grep -v bats-core | paste -sd:)
	env -i PATH="$path" HOME="$HOME" bats -T -F tap t.bats >tap.txt 3>&- || true
	run python3 "$GRADE_TOP/grade/results.py" suite demo t.bats out <tap.txt
	assert_output --partial "the same failure as 'first': kernel panic at a.c:1"
	refute_output --partial 'detail-two'
	assert_output --partial 'vmm: bt: internal error: something else'
	assert_output --partial '(1 failure(s) above repeat an earlier one'
	# The record keeps every test's own output.
	grep -q detail-two out/results.json
}

# grade_ex K [TEST]: run grade/grade.sh on exercises.fixture, as suite
# demo of a tree of its own, with EX=K (and TEST=); set GRADED to the
# names of the tests it ran and scored, one a line.
grade_ex() {
	mkdir -p tree/grade
	cp "$GRADE_TOP/grade/grade.sh" "$GRADE_TOP/grade/results.py" tree/grade/
	cp "$GRADE_TOP/grade/test/exercises.fixture" tree/grade/demo.bats
	local path
	path=$(tr ':' '\n' <<<"$PATH" | grep -v bats-core | paste -sd:)
	rm -rf tree/out
	env -i PATH="$path" HOME="$HOME" GRADE_OUT=out GRADE_EX="$1" \
		${2:+GRADE_FILTER="$2"} tree/grade/grade.sh demo 3>&- || return
	# What bats ran, and what results.py scored: the same tests.
	local ran scored
	ran=$(sed -n 's/^ok [0-9]* \(.*\) in [0-9]*ms$/\1/p' tree/out/demo/tap.txt)
	scored=$(python3 -c 'import json, sys
for t in json.load(open(sys.argv[1]))["tests"]: print(t["name"])' \
		tree/out/demo/results.json)
	[[ $ran == "$scored" ]] || {
		echo "bats ran: $ran"
		echo "results.py scored: $scored"
		return 1
	}
	GRADED=$ran
}

@test "grade.sh: EX=K runs and scores exactly the tests tagged exK" {
	grade_ex 2 >out.txt
	[[ $GRADED == "milestone 2: second
also exercise 2, among other tags
exercise 2, but its name does not say so" ]]
	grep -q "3 of its 6 tests (EX=2: exercise 2's tests), 11 points" out.txt
	grep -q 'Score: 11/11' out.txt
	# ex1 is not a prefix of ex12.
	grade_ex 1 >/dev/null
	[[ $GRADED == "milestone 1: first" ]]
	grade_ex 12 >/dev/null
	[[ $GRADED == "exercise 12, not 1 or 2" ]]
	# With TEST=, the tests both select.
	grade_ex 2 milestone >/dev/null
	[[ $GRADED == "milestone 2: second" ]]
	# No such exercise, or no number: a usage error.
	run grade_ex 3
	assert_failure 2
	assert_output --partial 'no test in demo is selected by EX=3 (tagged ex3)'
	run grade_ex two
	assert_failure 2
	assert_output --partial "EX wants an exercise number, not 'two'"
}
