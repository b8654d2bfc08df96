#!/usr/bin/env bats
# Lab 4: hardware-assisted virtualization with AMD SVM (mode=vt).  The
# guest runs under vmrun at its own CPL 0, with its own IF, GDT and IDT:
# nothing is de-privileged, so its output must equal the native run's,
# line for line, with either shadow MMU.  The exits must show the
# mechanisms: none for a kernel loop that does nothing sensitive, one per
# port access, a VMCB that vmrun refuses named by the check it fails
# (Adams & Agesen §4, §6).
#
# QEMU's TCG emulates SVM for a 32-bit host (grade/qemu-run asks for
# -cpu qemu32,+svm), so this suite needs neither KVM nor an AMD CPU.
#
# Points are on "# points: N" lines; "# bats test_tags=handout-pass"
# marks a test that exercises no lab 4 code.

load lib
GRADE_MODE=vt

# First, because it is quick: a handout whose checker rules are stubs
# stops here (GRADE_FAIL_FAST).
# points: 2
@test "vt: a VMCB that vmrun refuses is named by the check it fails" {
	local rule
	local rule failures
	for rule in efer.svme cr4.mbz asid; do
		boot "break-$rule" --vmm-args "vmcb_break=$rule" --append init=hello
		expect_match "^vmm: vmrun refused the VMCB: check $rule failed: "
		expect_status 122
		failures=$(vmm_counter vt.vmrun_failures) || return
		((failures == 1)) ||
			grade_fail "vt.vmrun_failures is $failures after one refused vmrun"
	done
}

# The same program with and without nested paging: shadow paging exits
# on page faults and %cr3 writes, nested paging on none of them.
# points: 2
@test "vt npt=on: no #PF, %cr3 or invlpg exits at all" {
	local pf cr3 inv
	boot forkwait-shadowpf --append 'init=forkwait 50'
	pf=$(vmm_counter vt.exit.pf) || return
	((pf > 0)) || grade_fail "vt.exit.pf is 0 under shadow paging: the counter counts nothing"
	boot forkwait-nptpf --vmm-args npt=on --append 'init=forkwait 50'
	expect_line 'forkwait: 50 children forked and reaped'
	pf=$(vmm_counter vt.exit.pf) || return
	cr3=$(vmm_counter vt.exit.cr3.write) || return
	inv=$(vmm_counter vt.exit.invlpg) || return
	((pf == 0 && cr3 == 0 && inv == 0)) ||
		grade_fail "with npt=on: $pf #PF exits, $cr3 %cr3 writes, $inv invlpg exits (want none)"
}

# points: 8
@test "vt: test=fidelity is identical to native, every line" {
	fidelity_check fidelity vt test=fidelity
}

# points: 3
@test "vt: hello and forkwait 1000 run as natively" {
	fidelity_check hello vt init=hello
	fidelity_check forkwait vt 'init=forkwait 1000'
}

# points: 3
@test "vt: memstress keeps every page intact, as natively" {
	fidelity_check memstress vt init=memstress
	expect_line 'memstress: OK, 0 corruptions'
}

# points: 3
@test "vt: every nanobenchmark, sparse address spaces and page touching run as natively" {
	fidelity_check bench vt bench=all
	fidelity_check sparse vt init=sparse
	fidelity_check pagetouch vt 'init=pagetouch 64 4'
}

# points: 2
@test "vt: faults raised by user code are the guest's, as natively" {
	fidelity_check --status 78 faultnull vt init=faultnull
	fidelity_check faultint vt init=faultint
}

# points: 2
@test "vt: kernel probes (bad opcode, PTE without flush, PS without PSE, self-modifying code)" {
	fidelity_check --status 120 badop vt test=badop
	fidelity_check noflush vt test=ptenoflush
	fidelity_check psoff vt test=psoff
	fidelity_check smc vt test=smc
}

# points: 2
@test "vt: kcrashme: 2000 rounds of random kernel code end as natively" {
	fidelity_check kcrashme7 vt test=kcrashme:2000:7
	expect_match '^kcrashme: 2000 rounds, counts per vector:'
}

# points: 3
@test "vt: with lab 1's shadow MMU (shadow=rebuild) the guest runs as natively" {
	fidelity_check_with fidelity-rebuild vt shadow=rebuild test=fidelity
	fidelity_check_with forkwait-rebuild vt shadow=rebuild 'init=forkwait 300'
}

# points: 1
@test "vt: the shell reads piped input and runs programs, as natively" {
	shell_fidelity_check vt
}

# points: 1
@test "vt: a guest triple fault stops the guest with one clear line" {
	boot triple --append test=triplefault
	expect_match '^vmm: guest triple fault'
	expect_status 122
}

# A kernel loop of calls and returns touches nothing the VMCB intercepts:
# ten times the iterations, the same exits (a timer tick or two more).
# points: 2
@test "vt: a kernel loop runs without exits: ten times the iterations, no more vmruns" {
	boot callret-short --append bench=callret:20000
	local short long
	short=$(vmm_counter vt.vmruns) || return
	boot callret-long --append bench=callret:200000
	long=$(vmm_counter vt.vmruns) || return
	((short > 0)) || grade_fail "vt.vmruns is 0: the guest never ran under vmrun"
	((long <= short + 1000)) ||
		grade_fail "vt.vmruns grew from $short to $long for 180000 more loop iterations: the loop exits"
}

# Every in and out is one IOIO exit, and every IOIO exit one port access:
# no access is lost, none handled twice.
# points: 2
@test "vt: one I/O exit per port access (serial output included)" {
	fidelity_check hello-io vt init=hello
	local exits ins outs serial
	exits=$(vmm_counter vt.exit.ioio) || return
	ins=$(vmm_counter io.in) || return
	outs=$(vmm_counter io.out) || return
	serial=$(vmm_counter io.out.0x3f8) || return
	((exits == ins + outs)) ||
		grade_fail "$exits IOIO exits for $ins ins and $outs outs"
	# hello's line, the kernel's banner: each byte one exit.
	((serial >= 40)) ||
		grade_fail "only $serial writes to the serial data port"
}

# points: 1
# bats test_tags=handout-pass
@test "vt: an unknown vmcb_break= name is one clear error" {
	boot badbreak --vmm-args vmcb_break=nosuchfield --append init=hello
	expect_match "^vmm: vmcb_break=nosuchfield: "
	expect_status 123
}

# Nested paging: the guest's own %cr3 and page tables, walked by the CPU
# through a nested table; no shadow MMU at all.
# points: 3
@test "vt npt=on: the guest runs on its own page tables as natively" {
	fidelity_check_with fidelity-npt vt npt=on test=fidelity
	fidelity_check_with forkwait-npt vt npt=on 'init=forkwait 300'
	fidelity_check_with memstress-npt vt npt=on init=memstress
	expect_line 'memstress: OK, 0 corruptions'
}

# points: 2
@test "vt npt=on: nanobenchmarks, probes and faults run as natively" {
	fidelity_check_with bench-npt vt npt=on bench=all
	fidelity_check_with pagetouch-npt vt npt=on 'init=pagetouch 64 4'
	fidelity_check_with noflush-npt vt npt=on test=ptenoflush
	fidelity_check_with psoff-npt vt npt=on test=psoff
	fidelity_check_with --status 78 faultnull-npt vt npt=on init=faultnull
	fidelity_check_with --status 120 badop-npt vt npt=on test=badop
}

# points: 1
@test "vt: a guest read of guest-physical memory that is not there stops the guest" {
	boot physhigh --append test=physhigh
	expect_match '^vmm: .*physical f0000000, outside its 64 MiB'
	expect_status 122
	boot physhigh-npt --vmm-args npt=on --append test=physhigh
	expect_match '^vmm: guest access to guest-physical f0000000, outside its 64 MiB'
	expect_status 122
}
