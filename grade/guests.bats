#!/usr/bin/env bats
# Guest kernels that are not the guest OS (guests/, issue 13): small
# multiboot images of our own, standing in for a third party's test
# kernels.  Each must pass natively and print the same lines on every
# native run; under each monitor mode this tree links (te, bt, vt) it
# must print exactly what it prints natively.
#
# Under the monitor they meet cr0.WP clear (docs/DESIGN.md §6), the
# virtual local APIC at 0xFEE00000 inside the monitor hole (§7) and
# fw_cfg through passthrough=.

load lib
GRADE_MODE=native

# under_monitor MODE: skip this test unless the monitor image links MODE.
under_monitor() {
	"$GRADE_TOP/grade/qemu-run" --list-modes | grep -qxF -- "$1" ||
		skip "this tree's monitor has no mode $1"
}

# guest_fidelity NAME MODE [VMM_ARGS]: boot obj/guests/NAME natively and
# in MODE and compare them line by line; both must power off with 0.
guest_fidelity() {
	local name=$1
	# Runs are named by guest and options: one name, one command line.
	[[ $1 == fwcfg || -z ${3:-} ]] || name+=-${3//[^a-z0-9]/}
	fidelity_check_with --kernel "obj/guests/$1" "$name" "$2" "${3:-}" ""
}

# boot_guest NAME: the native run of obj/guests/NAME (the one
# guest_fidelity compares against), which must have passed.
boot_guest() {
	boot "$1-native" --mode native --append "" --kernel "obj/guests/$1"
	expect_no_match ': FAIL|unexpected trap' || return
	expect_line "$1: done" || return
	expect_status 0
}

# ---------------------------------------------------------------- #
# Natively                                                           #
# ---------------------------------------------------------------- #

# points: 1
@test "wp0: ring-0 writes through read-only pages with cr0.WP=0, faults with WP=1 and in ring 3" {
	boot_guest wp0
	expect_match '^wp0: paging on with cr0.WP=0: PG=1 WP=0, read-only page at 0x[0-9a-f]+, pte flags=0x1$'
	expect_line 'wp0: kernel write to read-only page with WP=0: ok value=0x1111aaaa pte flags=0x61'
	expect_match '^wp0: kernel write to read-only page with WP=1: #PF err=0x3 cr2=0x[0-9a-f]+000, value=0x1111aaaa \(unchanged\)$'
	expect_line 'wp0: kernel write to read-only page with WP back to 0: ok value=0x3333cccc pte flags=0x61'
	expect_line 'wp0: kernel write to read-only user page with WP=0: ok value=0x4444dddd pte flags=0x65'
	expect_match '^wp0: user write to read-only user page with WP=0: #PF err=0x7 cr2=0x[0-9a-f]+000 eip=0x[0-9a-f]+, value=0x4444dddd \(unchanged\)$'
	expect_match '^wp0: user write to read-only user page with WP=1: #PF err=0x7 '
	expect_line 'wp0: user write to writable user page: ok value=0x8888eeee pte flags=0x67'
	expect_match '^wp0: user read of a supervisor page: #PF err=0x5 cr2=0x[0-9a-f]+000 eip=0x[0-9a-f]+, value=0x3333cccc \(unchanged\)$'
	expect_line 'wp0: cr0.WP at the end: 0'
}

# points: 1
@test "lapic: the APIC at 0xFEE00000 with paging off and on, its timer periodic and one-shot" {
	boot_guest lapic
	expect_line 'lapic: IA32_APIC_BASE=0xfee00900: base=0xfee00000 BSP=1 enabled=1'
	expect_match '^lapic: paging off: ID register=0 \(APIC ID 0\), version register=0x[0-9a-f]+ \(version 0x1[0-9a-f], [0-9] LVT entries\)$'
	expect_line 'lapic: paging on, identity-mapped uncached: ID and version as with paging off: yes'
	expect_match '^lapic: at entry: SVR=0x[0-9a-f]+ TPR=0 LVT timer=0x1[0-9a-f]{4} '
	expect_line 'lapic: enabled: SVR=0x1ff TPR=0'
	expect_line 'lapic: periodic: LVT timer=0x20040 divide=0x3 initial count=100000, current count below it: yes'
	expect_line 'lapic: periodic: 10 interrupts, the handler masking the timer at the last; ISR set in each handler: yes, after EOI: 0'
	expect_line 'lapic: periodic: between 5 and 200 interrupts in 100 ms of PIT time: yes'
	expect_line 'lapic: periodic: stopped by an initial count of 0: current count=0, no interrupt in 20 ms: yes'
	expect_line 'lapic: one-shot: LVT timer=0x41, current count below the initial count: yes'
	expect_line 'lapic: one-shot: 1 interrupt in 100 ms of PIT time, current count then 0'
	expect_line 'lapic: masked one-shot: no interrupt in 100 ms of PIT time, current count then 0, IRR bit 0'
	expect_line 'lapic: spurious interrupts: 0, ISR clear: yes'
	expect_line 'lapic: disabled: SVR=0xff'
}

# points: 1
@test "ipi: self IPIs through the ICR, IRR and ISR around EOI, priority order, TPR masking" {
	boot_guest ipi
	expect_line 'ipi: APIC at 0xfee00000 with paging off, enabled, APIC ID 0'
	expect_line 'ipi: self IPI by shorthand, vector 0x50: ICR=0x44050, delivery idle; with IF=0 IRR=1 ISR=0; taken once on sti; in its handler ISR=1 IRR=0 PPR=0x50; after EOI ISR=0'
	expect_line 'ipi: IPI to own APIC ID, vector 0x51: ICR=0x4051, delivery idle; with IF=0 IRR=1 ISR=0; taken once on sti; in its handler ISR=1 IRR=0 PPR=0x50; after EOI ISR=0'
	expect_line 'ipi: vectors 0x53 and 0x63 pending together: taken in the order 0x63 0x53'
	expect_line 'ipi: TPR=0x60 PPR=0x60: vectors 0x52 and 0x6f not taken in 20 ms, IRR=1 1'
	expect_line 'ipi: TPR=0x60: vector 0x75 (a higher class) taken, PPR in its handler 0x70; 0x52 and 0x6f still pending: 1 1'
	expect_line 'ipi: TPR lowered to 0: taken in the order 0x6f 0x52, IRR then 0 0, PPR 0'
	expect_line 'ipi: 7 IPIs taken in all'
}

# points: 1
@test "fwcfg: QEMU's fw_cfg signature, interface and CPU count" {
	boot_guest fwcfg
	expect_line 'fwcfg: signature (selector 0x0000): "QEMU" (bytes 51 45 4d 55)'
	expect_match '^fwcfg: interface ID \(selector 0x0001\): 0x[13]: port interface yes, DMA (yes|no)$'
	expect_line 'fwcfg: CPU count (selector 0x0005): 1, at most 1 (selector 0x000f)'
	expect_line 'fwcfg: the byte after the signature: 0'
}

# Every line but timings is deterministic, so a second native run
# prints the same: the premise of the comparisons below.
# points: 0
@test "guests: a second native run of each prints the same lines" {
	local g
	for g in wp0 lapic ipi fwcfg; do
		guest_fidelity "$g" native || return
	done
}

# ---------------------------------------------------------------- #
# Under the monitor: the same lines as natively                      #
# ---------------------------------------------------------------- #

# points: 1
@test "te: wp0 runs as natively" {
	under_monitor te
	guest_fidelity wp0 te
}

# points: 1
@test "te: lapic runs as natively" {
	under_monitor te
	guest_fidelity lapic te
}

# points: 1
@test "te: ipi runs as natively" {
	under_monitor te
	guest_fidelity ipi te
}

# points: 1
@test "te: fwcfg runs as natively with passthrough=fw_cfg" {
	under_monitor te
	guest_fidelity fwcfg te passthrough=fw_cfg
}

# points: 1
@test "bt: wp0 runs as natively" {
	under_monitor bt
	guest_fidelity wp0 bt
}

# points: 1
@test "bt: lapic runs as natively" {
	under_monitor bt
	guest_fidelity lapic bt
}

# points: 1
@test "bt: ipi runs as natively" {
	under_monitor bt
	guest_fidelity ipi bt
}

# points: 1
@test "bt: fwcfg runs as natively with passthrough=fw_cfg" {
	under_monitor bt
	guest_fidelity fwcfg bt passthrough=fw_cfg
}

# points: 1
@test "vt: wp0 runs as natively" {
	under_monitor vt
	guest_fidelity wp0 vt
}

# points: 1
@test "vt: lapic runs as natively" {
	under_monitor vt
	guest_fidelity lapic vt
}

# points: 1
@test "vt: ipi runs as natively" {
	under_monitor vt
	guest_fidelity ipi vt
}

# points: 1
@test "vt: fwcfg runs as natively with passthrough=fw_cfg" {
	under_monitor vt
	guest_fidelity fwcfg vt passthrough=fw_cfg
}

# points: 1
@test "vt npt=on: lapic and ipi run as natively, the APIC's page a nested page fault" {
	under_monitor vt
	guest_fidelity lapic vt npt=on
	guest_fidelity ipi vt npt=on
}
