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
# marks a test that exercises no lab 4 code, and exK a test that exercise
# K, done in order, is the first to make pass (make grade-lab4 EX=K runs
# those).  The milestone tests come first, in the order of the exercises:
# each exercise done in order earns points (make milestone-check LAB=4
# checks that the score rises at each).

load lib
GRADE_MODE=vt

# ---------------------------------------------------------------- #
# Milestones: one for each exercise done in order (handouts/lab4.md §4).
# The guest prints nothing until exercise 3, so the first two watch the
# monitor with gdb (gdb_watch, as lab 1's first milestones do): the boot
# waits for gdb, which stops it where the milestone says and prints what
# it finds there.  make grade-lab4 TEST=milestone runs only these.

# points: 1
# bats test_tags=ex1
@test "vt: milestone 1: the monitor enters the guest, and the first #VMEXIT comes back" {
	# Exercise 1 tells the core whether the guest can take an interrupt,
	# which it asks before every vmrun, the first included.  gdb stops
	# the monitor just after the first #VMEXIT, before vt_exit (exercise
	# 2) looks at it.
	gdb_watch ms1 obj/vmm "
		break vmcb_break_ran
		continue
		printf \"milestone: exit code %x after %d vmrun(s), guest eip %08x\\n\", (unsigned)vmcb->control.exitcode, vmm_counters[CNT_VT_VMRUNS], vmcb->save.rip
	"
	gdb_expect '^milestone: exit code [0-9a-f]+ after 1 vmrun\(s\), guest eip [0-9a-f]{8}$' \
		"the monitor did not get back from its first vmrun to vt_exit"
}

# points: 2
# bats test_tags=ex2
@test "vt: milestone 2: exits dispatched, the guest turns paging on and reaches its first port access" {
	# Exercise 2: the guest's %cr3 load and paging on (kern/entry.S) are
	# CR exits that the core emulates; its serial port set-up is the
	# first IOIO exit, which goes to io_exit (exercise 3).
	gdb_watch ms2 obj/vmm "
		break io_exit
		continue
		printf \"milestone: port %x after %d vmruns, the guest's cr0 %08x, cr3 %08x\\n\", (unsigned)(vmcb->control.exitinfo1 >> 16), vmm_counters[CNT_VT_VMRUNS], vcpu0.vcr0, vcpu0.vcr3
	"
	gdb_expect '^milestone: port [0-9a-f]+ after ([3-9]|[1-9][0-9]+) vmruns, the guest.s cr0 [89a-f][0-9a-f]{7}, cr3 [0-9a-f]{5}000$' \
		"the guest did not reach a port access with paging on"
}

# io_exits_balanced COUNTER: in the last boot, every in and out was one
# exit, counted in COUNTER (the engine's vt.exit.ioio, printed at power
# off, or the core's exit.io, printed when the monitor stops the guest).
io_exits_balanced() {
	local exits ins outs
	exits=$(vmm_counter "$1") || return
	ins=$(vmm_counter io.in) || return
	outs=$(vmm_counter io.out) || return
	((exits == ins + outs)) ||
		grade_fail "$exits I/O exits ($1) for $ins ins and $outs outs"
}

# points: 2
# bats test_tags=ex3
@test "vt: milestone 3: the kernel's banner, each port access one I/O exit" {
	# Exercise 3: the kernel sets up its serial port and prints its banner
	# with interrupts off, so nothing needs injecting yet (exercise 4).
	boot hello-ms3 --append init=hello
	expect_match '^vmmlab guest OS, [0-9]+ KiB of memory$'
	io_exits_balanced exit.io
}

# points: 2
# bats test_tags=ex4
@test "vt: milestone 4: timer interrupts injected, 200 ticks of a 20 kHz timer counted" {
	# Exercise 4: test=picpit turns interrupts on and waits for 200 ticks
	# of the virtual PIT, each one an interrupt injected through EVENTINJ.
	boot picpit --append test=picpit
	expect_line "picpit: 200 ticks of a 20 kHz timer, then the kernel's set-up again"
	expect_status 0
	local injected
	injected=$(vmm_counter virq.injected) || return
	((injected >= 200)) ||
		grade_fail "virq.injected is $injected for 200 timer ticks"
}

# points: 2
# bats test_tags=ex5
@test "vt: milestone 5: a VMCB with bad CR0 or EFER bits is refused and named by its rule" {
	# Exercise 5: the rules cr0.cd_nw, cr0.mbz and efer.mbz (cr4.mbz is
	# in the test after the milestones), each broken on purpose.
	local rule
	for rule in cr0.cd_nw cr0.mbz efer.mbz; do
		boot "break-$rule" --vmm-args "vmcb_break=$rule" --append init=hello
		expect_match "^vmm: vmrun refused the VMCB: check $rule failed: " || return
		expect_no_match "not implemented" || return
	done
}

# points: 2
# bats test_tags=ex6
@test "vt: milestone 6: npt=on: hello runs on the guest's own page tables, as natively" {
	# Exercise 6: the nested table is all the MMU there is.
	fidelity_check_with hello-npt vt npt=on init=hello
	expect_match '^vmm: mode vt, shadow none \(npt=on: nested paging\)'
}

# ---------------------------------------------------------------- #
# The rest of the suite, each test tagged with the exercise from which
# it passes.

# points: 2
# bats test_tags=ex5
@test "vt: a VMCB that vmrun refuses is named by the check it fails" {
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
# bats test_tags=ex6
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
# bats test_tags=ex4
@test "vt: test=fidelity is identical to native, every line" {
	fidelity_check fidelity vt test=fidelity
}

# points: 3
# bats test_tags=ex4
@test "vt: hello and forkwait 1000 run as natively" {
	fidelity_check hello vt init=hello
	fidelity_check forkwait vt 'init=forkwait 1000'
}

# points: 3
# bats test_tags=ex4
@test "vt: memstress keeps every page intact, as natively" {
	fidelity_check memstress vt init=memstress
	expect_line 'memstress: OK, 0 corruptions'
}

# points: 3
# bats test_tags=ex4
@test "vt: every nanobenchmark, sparse address spaces and page touching run as natively" {
	fidelity_check bench vt bench=all
	fidelity_check sparse vt init=sparse
	fidelity_check pagetouch vt 'init=pagetouch 64 4'
}

# points: 2
# bats test_tags=ex4
@test "vt: faults raised by user code are the guest's, as natively" {
	fidelity_check --status 78 faultnull vt init=faultnull
	fidelity_check faultint vt init=faultint
}

# points: 2
# bats test_tags=ex3
@test "vt: kernel probes (bad opcode, PTE without flush, PS without PSE, self-modifying code)" {
	fidelity_check --status 120 badop vt test=badop
	fidelity_check noflush vt test=ptenoflush
	fidelity_check psoff vt test=psoff
	fidelity_check smc vt test=smc
}

# points: 2
# bats test_tags=ex3
@test "vt: kcrashme: 2000 rounds of random kernel code end as natively" {
	fidelity_check kcrashme7 vt test=kcrashme:2000:7
	expect_match '^kcrashme: 2000 rounds, counts per vector:'
}

# points: 3
# bats test_tags=ex4
@test "vt: with lab 1's shadow MMU (shadow=rebuild) the guest runs as natively" {
	fidelity_check_with fidelity-rebuild vt shadow=rebuild test=fidelity
	fidelity_check_with forkwait-rebuild vt shadow=rebuild 'init=forkwait 300'
}

# points: 1
# bats test_tags=ex4
@test "vt: the shell reads piped input and runs programs, as natively" {
	shell_fidelity_check vt
}

# points: 1
# bats test_tags=ex3
@test "vt: a guest triple fault stops the guest with one clear line" {
	boot triple --append test=triplefault
	expect_match '^vmm: guest triple fault'
	expect_status 122
}

# A kernel loop of calls and returns touches nothing the VMCB intercepts:
# ten times the iterations, the same exits (a timer tick or two more).
# Both loops must run to the end: a guest stopped at its first exit has
# the same vmruns too.
# points: 2
# bats test_tags=ex3
@test "vt: a kernel loop runs without exits: ten times the iterations, no more vmruns" {
	boot callret-short --append bench=callret:20000
	expect_match '^timing: bench callret .* \(20000 iters\)$' || return
	local short long
	short=$(vmm_counter vt.vmruns) || return
	boot callret-long --append bench=callret:200000
	expect_match '^timing: bench callret .* \(200000 iters\)$' || return
	long=$(vmm_counter vt.vmruns) || return
	((short > 0)) || grade_fail "vt.vmruns is 0: the guest never ran under vmrun"
	((long <= short + 1000)) ||
		grade_fail "vt.vmruns grew from $short to $long for 180000 more loop iterations: the loop exits"
}

# Every in and out is one IOIO exit, and every IOIO exit one port access:
# no access is lost, none handled twice.  A kernel probe, which runs with
# interrupts off and needs nothing injected (exercise 4), shares its
# boots with the probes' test.
# points: 2
# bats test_tags=ex3
@test "vt: one I/O exit per port access (serial output included)" {
	fidelity_check psoff vt test=psoff
	io_exits_balanced vt.exit.ioio || return
	local serial
	serial=$(vmm_counter io.out.0x3f8) || return
	# The kernel's banner and psoff's lines: each byte one exit.
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
# bats test_tags=ex6
@test "vt npt=on: the guest runs on its own page tables as natively" {
	fidelity_check_with fidelity-npt vt npt=on test=fidelity
	fidelity_check_with forkwait-npt vt npt=on 'init=forkwait 300'
	fidelity_check_with memstress-npt vt npt=on init=memstress
	expect_line 'memstress: OK, 0 corruptions'
}

# points: 2
# bats test_tags=ex6
@test "vt npt=on: nanobenchmarks, probes and faults run as natively" {
	fidelity_check_with bench-npt vt npt=on bench=all
	fidelity_check_with pagetouch-npt vt npt=on 'init=pagetouch 64 4'
	fidelity_check_with noflush-npt vt npt=on test=ptenoflush
	fidelity_check_with psoff-npt vt npt=on test=psoff
	fidelity_check_with --status 78 faultnull-npt vt npt=on init=faultnull
	fidelity_check_with --status 120 badop-npt vt npt=on test=badop
}

# points: 1
# bats test_tags=ex6
@test "vt: a guest read of guest-physical memory that is not there stops the guest" {
	boot physhigh --append test=physhigh
	expect_match '^vmm: .*physical f0000000, outside its 64 MiB'
	expect_status 122
	boot physhigh-npt --vmm-args npt=on --append test=physhigh
	expect_match '^vmm: guest access to guest-physical f0000000, outside its 64 MiB'
	expect_status 122
}
