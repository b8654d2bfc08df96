#!/usr/bin/env bats
# The native suite: the guest OS alone on QEMU, no monitor.  Every lab's
# fidelity test compares against these runs, so they must be right first.
#
# Each test's points are on a "# points: N" line just above it (see
# grade/results.py); "make grade-native" runs this file.

load lib
GRADE_MODE=native

# points: 2
@test "hello: prints its greeting" {
	boot hello --append init=hello
	expect_line 'hello, world'
	expect_match '^i am process [0-9]+$'
}

# points: 1
@test "hello: powers off with status 0" {
	boot hello --append init=hello
	expect_line 'kernel: power off, status 0'
	expect_status 0
}

# points: 3
@test "forkwait 1000: forks and reaps every child" {
	boot forkwait --append 'init=forkwait 1000'
	expect_line 'forkwait: 1000 children forked and reaped'
	expect_match '^timing: forkwait 1000 forks [0-9]+ cycles \([0-9]+ cycles/fork\)$'
	expect_no_match 'FAIL'
	expect_status 0
}

# points: 3
@test "memstress: copy-on-write keeps every page intact" {
	boot memstress --append init=memstress
	expect_line 'memstress: OK, 0 corruptions'
	expect_no_match 'CORRUPTION|FAIL'
	expect_status 0
}

# points: 1
@test "ctxswitch: four long-lived processes switch and report their sums" {
	boot ctxswitch --append 'init=ctxswitch 2000'
	local k
	for k in 0 1 2 3; do
		expect_match "^ctxswitch: child $k checksum 0x[0-9a-f]{8}\$"
	done
	expect_line 'ctxswitch: 4 processes, 8 pages each, 2000 switches'
	expect_match '^timing: ctxswitch 2000 switches [0-9]+ cycles \([0-9]+ cycles/switch\)$'
	expect_no_match 'FAIL'
	expect_status 0
}

# points: 3
@test "bench=all: every nanobenchmark reports its cycles" {
	boot bench --append bench=all
	local name
	for name in in clisti callret pgfault divzero ptemod p2np np2p syscall; do
		expect_match "^timing: bench $name [0-9]+(\\.[0-9])? cycles/op \\([0-9]+ iters\\)\$"
	done
	expect_status 0
}

# Grade tests that compare two boots' counters need the same work in both.
# points: 1
@test "bench=NAME:OPS runs exactly OPS operations" {
	boot bench-fixed --append bench=np2p:2048,in:100
	expect_match '^timing: bench np2p [0-9]+(\.[0-9])? cycles/op \(2048 iters\)$'
	expect_match '^timing: bench in [0-9]+(\.[0-9])? cycles/op \(100 iters\)$'
	expect_status 0
	boot bench-partial --append bench=np2p:1000
	expect_match '^kernel: bench=np2p:1000: the count must be a multiple of 1024 '
	expect_status 121
}

# points: 3
@test "test=fidelity: every kernel probe reports" {
	boot fidelity --append test=fidelity
	expect_lines_between 'fidelity: kernel probes begin' \
		'fidelity: kernel probes end' \
		'fidelity: pushf after cli' 'fidelity: popf setting IF' \
		'fidelity: popf clearing IF' 'fidelity: pushf IOPL' \
		'fidelity: cs RPL' 'fidelity: ss RPL' 'fidelity: sgdt' \
		'fidelity: sidt' 'fidelity: sldt' 'fidelity: str' 'fidelity: smsw' \
		'fidelity: lar/lsl/verr/verw kernel code' \
		'fidelity: lar/lsl/verr/verw kernel data' \
		'fidelity: lar/lsl/verr/verw user code' \
		'fidelity: lar/lsl/verr/verw tss' 'fidelity: cpuid 0' \
		'fidelity: cpuid 1' 'fidelity: lgdt' 'fidelity: lidt' \
		'fidelity: ltr' 'fidelity: lldt' 'fidelity: cr0' 'fidelity: cr4' \
		'fidelity: cr3' 'fidelity: invlpg' 'fidelity: out/in' \
		'fidelity: rep insb/outsb' 'fidelity: in unassigned port 0x2e0' \
		'fidelity: hlt' 'fidelity: rdmsr/wrmsr'
	expect_status 0
}

# The native run is the reference, so the probes whose effect the
# architecture fixes must show it here.
# points: 2
@test "test=fidelity: kernel probes show the architectural effects" {
	boot fidelity --append test=fidelity
	expect_line 'fidelity: pushf after cli: IF=0'
	expect_line 'fidelity: popf setting IF: IF=1'
	expect_line 'fidelity: popf clearing IF: IF=0'
	expect_line 'fidelity: cs RPL: 0'
	expect_line 'fidelity: ss RPL: 0'
	expect_line 'fidelity: lgdt: segment from the new table reads its marker'
	expect_line 'fidelity: lidt: int3 arrives as vector 4'
	expect_match '^fidelity: ltr: str=[0-9a-f]{4} busy=1$'
	expect_match '^fidelity: lldt: sldt=[0-9a-f]{4} segment reads its marker$'
	expect_match '^fidelity: cr0: value=[0-9a-f]{8} TS set=1 after clts=0$'
	expect_match '^fidelity: cr4: value=[0-9a-f]{8} TSD set=1 restored=1$'
	expect_line 'fidelity: cr3: new directory in effect=1 reads back=1'
	expect_line 'fidelity: invlpg: before=aaaaaaaa after=bbbbbbbb'
	expect_line 'fidelity: out/in: PIC2 mask reads back a5'
	expect_line 'fidelity: hlt: woken by an interrupt=1'
}

# points: 2
@test "test=fidelity: every user probe reports" {
	boot fidelity --append test=fidelity
	local key
	for key in pushf popf-clear-if cs ss sgdt sidt sldt str smsw \
		lar-cs lsl-cs verr-cs verw-cs lar-ds lsl-ds verr-ds verw-ds \
		lar-kcode lsl-kcode verr-kcode verw-kcode cpuid-0 cpuid-1; do
		expect_match "^fidelity: user $key: "
	done
	expect_line 'fidelity: user pushf: IF=1 IOPL=0'
	expect_line 'fidelity: user popf-clear-if: IF=1'
	expect_match '^fidelity: user cs: 0x[0-9a-f]{4} RPL=3$'
	expect_match '^fidelity: user ss: 0x[0-9a-f]{4} RPL=3$'
	expect_line 'fidelity: user verr-kcode: ZF=0'
	expect_status 0
}

# points: 2
@test "test=fidelity: two native runs agree" {
	fidelity_check fidelity native test=fidelity
}

# The probes of how kernel code runs (kern/probes.h): a binary translator
# must print what the CPU prints here.
# points: 1
@test "test=smc: patched kernel code runs as patched" {
	# Two runs agree; then check the first.
	fidelity_check smc native test=smc
	boot smc-native --append test=smc
	expect_line 'smc: 0 of the results differ from the CPU'"'"'s'
	expect_line 'smc: loop patching an immediate ahead: 0000f78c (expected 0000f78c)'
	expect_no_match 'FAIL'
	expect_status 0
}

# points: 1
@test "test=precise: a fault mid-block sees the state of its instruction" {
	# Two runs agree; then check the first.
	fidelity_check precise native test=precise
	boot precise-native --append test=precise
	expect_line 'precise: every fault saw the state of the instruction boundary'
	expect_match '^precise: page fault on a load: vector 14 err 0 eip=run\+0x[0-9a-f]+ \(the faulting instruction\)$'
	expect_match '^precise: int3: vector 3 err 0 eip=run\+0x[0-9a-f]+ \(just past the trapping instruction\)$'
	expect_no_match 'FAIL|=0 |=0$'
	expect_status 0
}

# points: 1
@test "test=chain: deep recursion and indirect branches give the right checksums" {
	# Two runs agree; then check the first.
	fidelity_check chain native test=chain
	boot chain-native --append test=chain
	expect_line 'chain: recursion 2000 deep: 5ec9eeb9 (expected 5ec9eeb9)'
	expect_line 'chain: fib(22) by recursion: 0000452f (expected 0000452f)'
	expect_match '^chain: 20000 asm jmp \*table dispatches: ([0-9a-f]{8}) \(expected \1\)$'
	expect_no_match 'FAIL'
	expect_status 0
}

# points: 1
@test "test=kloop: a spinning kernel with interrupts on sees the timer" {
	# Two runs agree; then check the first.
	fidelity_check kloop native test=kloop
	boot kloop-native --append test=kloop
	expect_line 'kloop: C loop saw 5 ticks'
	expect_line 'kloop: one-block loop saw 5 ticks'
	expect_line 'kloop: saw 5 ticks'
	expect_status 0
}

# points: 1
@test "test=kcrashme: 2000 rounds of random ring-0 code, the same every run" {
	# Two runs agree; then check the first.
	fidelity_check kcrashme native test=kcrashme
	boot kcrashme-native --append test=kcrashme
	expect_line 'kcrashme: 2000 rounds, seed 1'
	expect_match '^kcrashme: round 2000 vectors( [0-9]+:[0-9]+)* ret:[0-9]+ state [0-9a-f]{8}$'
	expect_match '^kcrashme: 2000 rounds, counts per vector: .*ret:[0-9]+$'
	expect_status 0
}

# points: 3
@test "faultnull: a NULL dereference kills the program, not the kernel" {
	boot faultnull --append init=faultnull
	expect_match '^\[pid [0-9]+\] faultnull: page fault at va 00000000 '
	expect_no_match '^faultnull: FAIL'
	# 78 = EXIT_FAULT_BASE (64) + T_PGFLT (14): the kernel reported it.
	expect_line 'kernel: power off, status 78'
	expect_status 78
}

# points: 1
@test "an unknown init= program: a clear error and status 121" {
	boot noprog --append init=nosuchprogram
	expect_match "^kernel: init: cannot run 'nosuchprogram': .*\\(programs: .*hello"
	expect_status 121
}

# points: 1
@test "an unknown command-line option: status 121" {
	boot badopt --append 'colour=blue init=hello'
	expect_match "^kernel: unknown command-line option 'colour=blue'"
	expect_no_match '^hello, world$'
	expect_status 121
}

# points: 3
@test "preempt: the timer interleaves two busy processes" {
	boot preempt --append init=preempt
	expect_line 'preempt: both done'
	expect_order 'preempt: B step 1' 'preempt: A step 10'
	expect_status 0
}

# points: 3
@test "crashme: the kernel survives 200 trials of random code" {
	boot crashme --append init=crashme
	expect_line 'crashme: survived 200 trials'
	expect_no_match '^crashme: FAIL'
	expect_status 0
}

# The shell reads the serial console.  The leading newlines are for the
# console, which may drop what arrives before it is set up.
# points: 2
@test "sh: runs programs typed on the serial console" {
	boot sh --append init=sh --input '\n\nhello\nforkwait 5\nnosuchprogram\nexit 7\n'
	expect_line 'hello, world'
	expect_line 'forkwait: 5 children forked and reaped'
	expect_line 'sh: nosuchprogram: no such program'
	expect_status 7
}

# "make qemu-nox-gdb" and "make gdb", the way a student debugs: QEMU
# waits for gdb, which stops the kernel in i386_init.
# points: 2
@test "gdb: attaches and stops the guest kernel in i386_init" {
	local port script
	port=$(free_tcp_port)
	boot_start gdb --append init=hello --timeout 60 --gdb "$port"
	wait_for_listen "$port" gdb
	script=$BATS_TEST_TMPDIR/gdb.cmds
	cat >"$script" <<-EOF
		set pagination off
		set confirm off
		target remote localhost:$port
		symbol-file $GRADE_TOP/obj/kernel
		break i386_init
		continue
		info line *\$pc
		bt
		delete
		continue
	EOF
	local gdb_out
	gdb_out=$(cd "$GRADE_TOP" &&
		timeout "$(grade_timeout 60)" gdb -n -batch -x "$script" 2>&1) || true
	boot_wait gdb
	grep -Eq '^Breakpoint 1, i386_init \(.*\) at kern/init\.c:[0-9]+' <<<"$gdb_out" &&
		grep -Eq '^Line [0-9]+ of "kern/init\.c" starts at address 0x[0-9a-f]+ <i386_init' <<<"$gdb_out" &&
		grep -Eq '^#0 +i386_init ' <<<"$gdb_out" ||
		grade_fail "gdb did not stop in i386_init at a line of kern/init.c; gdb said:" \
			"$gdb_out" || return
	# After gdb lets it go, the guest runs to the end.
	expect_line 'hello, world'
	expect_status 0
}
