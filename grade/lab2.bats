#!/usr/bin/env bats
# Lab 2: shadow page tables kept coherent by traces (shadow=traced, the
# default once lab 2 exists).  Output must stay identical to native under
# every policy, and the monitor's counters must show the mechanism at
# work, not just a right answer (Adams & Agesen §2.2-2.4, §7.2).
#
# Points are on "# points: N" lines; "# bats test_tags=handout-pass"
# marks a test that exercises no lab 2 code.

load lib
GRADE_MODE=te

# points: 3
@test "traced: forkwait 1000 runs as natively" {
	fidelity_check_with forkwait te shadow=traced 'init=forkwait 1000'
}

# points: 3
@test "traced: memstress keeps every page intact, as natively" {
	fidelity_check_with memstress te shadow=traced init=memstress
	expect_line 'memstress: OK, 0 corruptions'
}

# points: 2
@test "traced: every nanobenchmark runs as natively" {
	fidelity_check_with bench te shadow=traced bench=all
}

# points: 3
@test "traced: many short-lived sparse address spaces run as natively" {
	fidelity_check_with sparse te shadow=traced init=sparse
	expect_line 'sparse: OK'
}

# points: 2
@test "traced: a PTE made present without a flush is usable at once" {
	fidelity_check_with noflush te shadow=traced test=ptenoflush
	expect_match '^ptenoflush: 64 pages made present without a flush, 64 read back'
	fidelity_check_with noflush-lazy te 'shadow=traced eager=off' test=ptenoflush
}

# points: 1
@test "traced: a PDE with PS set is a page-table pointer without CR4.PSE" {
	fidelity_check_with psoff te shadow=traced test=psoff
	expect_line 'psoff: OK, PS ignored without CR4.PSE'
}

# points: 3
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

# points: 3
@test "traced: eager NP->P propagation saves the hidden fault of each np2p" {
	# A fixed count (bench=np2p:OPS), so both boots make the same NP->P
	# writes however fast each runs.
	local ops=2048
	boot np2p-eager --vmm-args 'shadow=traced eager=on' --append "bench=np2p:$ops"
	expect_match "^timing: bench np2p .* \\($ops iters\\)\$"
	local eager_fills hidden_on hidden_off
	eager_fills=$(vmm_counter shadow.eager) || return
	hidden_on=$(vmm_counter pf.hidden) || return
	boot np2p-lazy --vmm-args 'shadow=traced eager=off' --append "bench=np2p:$ops"
	expect_match "^timing: bench np2p .* \\($ops iters\\)\$"
	hidden_off=$(vmm_counter pf.hidden) || return
	((eager_fills * 10 >= ops * 9)) ||
		grade_fail "only $eager_fills eager fills for $ops NP->P writes: expected one for nearly every write"
	# Off: one hidden fault per NP->P (the first use); on: none.
	((hidden_off - hidden_on >= eager_fills * 9 / 10)) ||
		grade_fail "hidden faults: $hidden_on with eager on, $hidden_off off, for $eager_fills NP->P writes: expected about one more per write with it off"
	((hidden_on * 4 < eager_fills)) ||
		grade_fail "with eager on, $hidden_on hidden faults for $eager_fills NP->P writes: they should be rare"
}

# points: 2
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
@test "traced: a small shadow pool evicts, and every output stays native" {
	fidelity_check_with sparse-small te 'shadow=traced shadowpool=16' init=sparse
	local evictions
	evictions=$(vmm_counter shadow.evictions) || return
	((evictions > 0)) || grade_fail "shadowpool=16 but nothing was evicted"
	fidelity_check_with forkwait-small te 'shadow=traced shadowpool=16' 'init=forkwait 300'
	fidelity_check_with memstress-small te 'shadow=traced shadowpool=16' init=memstress
}

# points: 2
@test "traced: without adaptivity (adapt=off) output stays native" {
	fidelity_check_with memstress-noadapt te 'shadow=traced adapt=off' init=memstress
	local adapt
	adapt=$(vmm_counter shadow.adapt) || return
	((adapt == 0)) || grade_fail "adapt=off, yet shadow.adapt is $adapt"
}

# points: 2
@test "traced: adapt=on stops tracing the tables fork floods with writes" {
	# fork rewrites every PTE of the parent (copy-on-write) and of the new
	# child, table after table that is written but not used: without
	# adaptivity each write is a trace fault.  A reference run of
	# forkwait 300 takes about 3300 trace faults with adapt=on and about
	# 1000000 with adapt=off; a fiftieth leaves a wide margin.
	fidelity_check_with forkwait-adapt te 'shadow=traced adapt=on' 'init=forkwait 300'
	local adapt trace_on trace_off
	adapt=$(vmm_counter shadow.adapt) || return
	trace_on=$(vmm_counter pf.trace) || return
	fidelity_check_with forkwait-noadapt te 'shadow=traced adapt=off' 'init=forkwait 300'
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
