#!/usr/bin/env bats
# Lab 2: shadow page tables kept coherent by traces (shadow=traced, the
# default once lab 2 exists).  Output must stay identical to native under
# every policy, and the monitor's counters must show the mechanism at
# work, not just a right answer (Adams & Agesen §2.2-2.4, §7.2).
#
# Points are on "# points: N" lines; "# bats test_tags=handout-pass"
# marks a test that exercises no lab 2 code, and exK a test that exercise
# K, done in order, is the first to make pass (make grade-lab2 EX=K runs
# those).  The milestone tests come first, in the order of the exercises:
# each exercise done in order earns points (make milestone-check LAB=2
# checks that the score rises at each).

load lib
GRADE_MODE=te

# ---------------------------------------------------------------- #
# Milestones: one for each exercise done in order (handouts/lab2.md §4).
# Until exercise 3 the guest cannot get far, so the first three watch the
# monitor with gdb (gdb_watch, as lab 1's first milestones do): the boot
# waits for gdb, which stops it where the milestone says and prints what
# it finds there.  make grade-lab2 TEST=milestone runs only these.

# points: 1
# bats test_tags=ex1
@test "traced: milestone 1: a cache hit on a known address space" {
	# Exercise 1 lets the monitor make the guest's first shadow directory
	# (paging off) and enter the guest, whose first fetch is a hidden
	# fault.  There gdb has the MMU load the guest's %cr3 twice, as the
	# guest will: first as if paging were on (another key: a miss, a new
	# directory), then as it is (a hit: the directory made at start-up).
	gdb_watch ms1 obj/vmm "
		break traced_fault
		continue
		set var \$first = cur_pd
		set var vcpu0.vcr0 = vcpu0.vcr0 | 0x80000000
		call vcpu0.mmu->new_cr3(&vcpu0)
		printf \"milestone: paging on, cr3 %08x: new directory %d\\n\", vcpu0.vcr3, cur_pd != \$first
		set var vcpu0.vcr0 = vcpu0.vcr0 & ~0x80000000
		call vcpu0.mmu->new_cr3(&vcpu0)
		printf \"milestone: paging off again: first directory %d, %d rebuilds, %d hits\\n\", cur_pd == \$first, vmm_counters[CNT_SHADOW_REBUILDS], vmm_counters[CNT_SHADOW_HITS]
	" --vmm-args shadow=traced
	gdb_expect '^milestone: paging on, cr3 [0-9a-f]{8}: new directory 1$' \
		"a %cr3 load with paging on found the paging-off directory: the key is gpa, level and rights"
	gdb_expect '^milestone: paging off again: first directory 1, 2 rebuilds, 1 hits$' \
		"loading the paging-off address space again did not find its directory in the cache"
}

# points: 2
# bats test_tags=ex2
@test "traced: milestone 2: hidden faults filled by the traced MMU, the guest reaches i386_init" {
	# Exercise 2: entry.S runs with paging off, then loads %cr3 and turns
	# paging on; each new page is a hidden fault.  The first write to a
	# page table the monitor shadows (exercise 3) comes after i386_init.
	local init
	init=$(kernel_symbol i386_init)
	gdb_watch ms2 obj/vmm "
		break *0x$init
		continue
		printf \"milestone: guest eip %08x, its cr0 %08x, cr3 %08x, shadowed by the directory of %08x; %d hidden faults, %d fills\\n\", \$pc, vcpu0.vcr0, vcpu0.vcr3, cur_pd->gpa, vmm_counters[CNT_PF_HIDDEN], vmm_counters[CNT_SHADOW_FILLS]
	" --vmm-args shadow=traced
	gdb_expect "^milestone: guest eip $init, its cr0 [89a-f][0-9a-f]{7}, cr3 ([0-9a-f]{5})000, shadowed by the directory of \\1000; ([3-9]|[1-9][0-9]+) hidden faults, \\2 fills\$" \
		"the guest did not reach i386_init ($init) with paging on, its own directory shadowed"
}

# points: 2
# bats test_tags=ex3
@test "traced: milestone 3: a traced PTE write emulated and handed to propagation" {
	# Exercise 3: the guest's first write to a page table the monitor
	# shadows is emulated; what it wrote goes to the trace clients, and
	# this MMU's (pt_written) propagates it (exercise 4).
	gdb_watch ms3 obj/vmm "
		break pt_written
		continue
		printf \"milestone: %d trace faults, the last at eip %08x: %d bytes at guest-physical %08x\\n\", vmm_counters[CNT_PF_TRACE], v->tf.tf_eip, len, gpa
	" --vmm-args shadow=traced
	gdb_expect '^milestone: [1-9][0-9]* trace faults, the last at eip [0-9a-f]{8}: [1-9][0-9]* bytes at guest-physical [0-9a-f]{8}$' \
		"no emulated write to a traced page reached propagation (pt_written)"
}

# A fixed count (bench=np2p:OPS), so every boot makes the same NP->P
# writes however fast it runs; milestone 4 and the eager test share it.
np2p_ops=2048

# np2p_boot NAME EAGER: boot bench=np2p:$np2p_ops with eager=EAGER.
np2p_boot() {
	boot "$1" --vmm-args "shadow=traced eager=$2" --append "bench=np2p:$np2p_ops"
	expect_match "^timing: bench np2p .* \\($np2p_ops iters\\)\$"
}

# points: 2
# bats test_tags=ex4
@test "traced: milestone 4: a PTE made present is filled at once, saving its hidden fault" {
	# Exercise 4: each NP->P write of np2p fills the shadow entry at once
	# (eager), so the page's first use takes no hidden fault.
	np2p_boot np2p-eager on || return
	local eager_fills hidden
	eager_fills=$(vmm_counter shadow.eager) || return
	hidden=$(vmm_counter pf.hidden) || return
	((eager_fills * 10 >= np2p_ops * 9)) ||
		grade_fail "only $eager_fills eager fills for $np2p_ops NP->P writes: expected one for nearly every write"
	((hidden * 4 < eager_fills)) ||
		grade_fail "$hidden hidden faults for $eager_fills NP->P writes filled at once: they should be rare"
}

# ---------------------------------------------------------------- #
# The rest of the suite needs all four exercises, but for the psoff
# probe, which writes no shadowed page table (tagged ex3).

# points: 3
# bats test_tags=ex4
@test "traced: forkwait 1000 runs as natively" {
	fidelity_check_with forkwait te shadow=traced 'init=forkwait 1000'
}

# points: 3
# bats test_tags=ex4
@test "traced: memstress keeps every page intact, as natively" {
	fidelity_check_with memstress te shadow=traced init=memstress
	expect_line 'memstress: OK, 0 corruptions'
}

# points: 2
# bats test_tags=ex4
@test "traced: every nanobenchmark runs as natively" {
	fidelity_check_with bench te shadow=traced bench=all
}

# points: 3
# bats test_tags=ex4
@test "traced: many short-lived sparse address spaces run as natively" {
	fidelity_check_with sparse te shadow=traced init=sparse
	expect_line 'sparse: OK'
}

# points: 2
# bats test_tags=ex4
@test "traced: a PTE made present without a flush is usable at once" {
	fidelity_check_with noflush te shadow=traced test=ptenoflush
	expect_match '^ptenoflush: 64 pages made present without a flush, 64 read back'
	fidelity_check_with noflush-lazy te 'shadow=traced eager=off' test=ptenoflush
}

# points: 1
# bats test_tags=ex3
@test "traced: a PDE with PS set is a page-table pointer without CR4.PSE" {
	fidelity_check_with psoff te shadow=traced test=psoff
	expect_line 'psoff: OK, PS ignored without CR4.PSE'
}

# points: 3
# bats test_tags=ex4
@test "traced: switching back to known address spaces rebuilds far less" {
	# preempt's two children switch on each timer tick, and how many
	# ticks a run sees depends on the host, so the boot is judged by its
	# own counters: every cr3 load is a hit or a rebuild, and a switch
	# back to a known address space must be a hit, so the rebuilds stay
	# at about one per address space however many switches there are.
	# (Under shadow=rebuild every cr3 load rebuilds.)
	boot preempt-traced --vmm-args shadow=traced --append init=preempt
	expect_line 'preempt: both done'
	local rebuilds hits
	rebuilds=$(vmm_counter shadow.rebuilds) || return
	hits=$(vmm_counter shadow.hits) || return
	((hits > 0)) || grade_fail "shadow.hits is 0: no cr3 load found its shadow in the cache"
	((rebuilds * 4 <= rebuilds + hits)) ||
		grade_fail "$rebuilds rebuilds and $hits hits: at least three quarters of the cr3 loads should find their shadow"
}

# points: 2
# bats test_tags=ex4
@test "traced: long-lived address spaces keep their shadows, as natively" {
	# ctxswitch's four children each write their own 8 pages, at the
	# same addresses, between yields: a shadow kept across a switch must
	# be the right one (the sums equal native's), and must still hold
	# the working set, so after the first turns a switch costs no hidden
	# fault (under shadow=rebuild each one takes about 17).
	local switches=2000
	fidelity_check_with ctxswitch te shadow=traced "init=ctxswitch $switches"
	local hidden hits
	hidden=$(vmm_counter pf.hidden) || return
	hits=$(vmm_counter shadow.hits) || return
	((hits >= switches)) ||
		grade_fail "shadow.hits is $hits for $switches switches: each switch back should find its shadow"
	((hidden * 4 < switches)) ||
		grade_fail "$hidden hidden faults for $switches switches between four address spaces: the working sets should stay filled across switches"
	fidelity_check_with ctxswitch-rebuild te shadow=rebuild "init=ctxswitch $switches"
}

# points: 2
# bats test_tags=ex4
@test "traced: eager NP->P propagation is what saves the hidden fault of each np2p" {
	# The same writes with eager=off: one hidden fault each (the first
	# use) comes back.
	np2p_boot np2p-eager on || return
	local eager_fills hidden_on hidden_off
	eager_fills=$(vmm_counter shadow.eager) || return
	hidden_on=$(vmm_counter pf.hidden) || return
	np2p_boot np2p-lazy off || return
	hidden_off=$(vmm_counter pf.hidden) || return
	((eager_fills > 0)) || grade_fail "no eager fill with eager=on" || return
	((hidden_off - hidden_on >= eager_fills * 9 / 10)) ||
		grade_fail "hidden faults: $hidden_on with eager on, $hidden_off off, for $eager_fills NP->P writes: expected about one more per write with it off"
}

# points: 2
# bats test_tags=ex4
@test "traced: PTE writes are traced, ordinary data writes are not" {
	boot touch1 --vmm-args shadow=traced --append 'init=pagetouch 64 1'
	expect_line 'pagetouch: 64 pages, 1 rounds: OK'
	local once many
	once=$(vmm_counter pf.trace) || return
	boot touch20 --vmm-args shadow=traced --append 'init=pagetouch 64 20'
	expect_line 'pagetouch: 64 pages, 20 rounds: OK'
	many=$(vmm_counter pf.trace) || return
	((once > 0)) || grade_fail "no trace fault at all, though pagetouch maps 64 pages"
	# 19 more rounds of 64 pages x 8 writes: not one more trace fault each.
	((many - once < 64)) ||
		grade_fail "trace faults grew from $once to $many with 19 more rounds of data writes"
}

# points: 3
# bats test_tags=ex4
@test "traced: a small shadow pool evicts, and every output stays native" {
	fidelity_check_with sparse-small te 'shadow=traced shadowpool=16' init=sparse
	local evictions
	evictions=$(vmm_counter shadow.evictions) || return
	((evictions > 0)) || grade_fail "shadowpool=16 but nothing was evicted"
	fidelity_check_with forkwait-small te 'shadow=traced shadowpool=16' 'init=forkwait 300'
	fidelity_check_with memstress-small te 'shadow=traced shadowpool=16' init=memstress
}

# points: 2
# bats test_tags=ex4
@test "traced: without adaptivity (adapt=off) output stays native" {
	fidelity_check_with memstress-noadapt te 'shadow=traced adapt=off' init=memstress
	local adapt
	adapt=$(vmm_counter shadow.adapt) || return
	((adapt == 0)) || grade_fail "adapt=off, yet shadow.adapt is $adapt"
}

# points: 2
# bats test_tags=ex4
@test "traced: adapt=on stops tracing the tables fork floods with writes" {
	# fork rewrites every PTE of the parent (copy-on-write) and of the new
	# child, table after table that is written but not used: without
	# adaptivity each write is a trace fault.  A reference run of
	# forkwait 100 takes about 1100 trace faults with adapt=on and about
	# 330000 with adapt=off (each an exit, so the run without is long);
	# a fiftieth leaves a wide margin.
	fidelity_check_with forkwait-adapt te 'shadow=traced adapt=on' 'init=forkwait 100'
	local adapt trace_on trace_off
	adapt=$(vmm_counter shadow.adapt) || return
	trace_on=$(vmm_counter pf.trace) || return
	fidelity_check_with forkwait-noadapt te 'shadow=traced adapt=off' 'init=forkwait 100'
	trace_off=$(vmm_counter pf.trace) || return
	((adapt > 0)) || grade_fail "adapt=on, yet no table was dropped (shadow.adapt is 0)"
	((trace_on * 50 <= trace_off)) ||
		grade_fail "pf.trace: $trace_on with adapt=on, $trace_off with adapt=off: adaptivity should save all but a fiftieth"
}

# points: 1
# bats test_tags=handout-pass
@test "traced: lab 1's shadow=rebuild still works" {
	fidelity_check_with forkwait-rebuild te shadow=rebuild 'init=forkwait 300'
}

# points: 1
# bats test_tags=handout-pass
@test "traced: a bad policy value is one clear error" {
	boot badeager --vmm-args eager=maybe --append init=hello
	expect_line 'vmm: eager=maybe: say on or off'
	expect_status 123
}
