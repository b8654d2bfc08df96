#!/usr/bin/env bats
# HANDOUT: omit
# Bad input: images, sizes, options and command lines the monitor must
# refuse, and guests that reach for the monitor hole or program their
# devices with nonsense.  Each refusal is one "vmm:" (or "qemu-run:", or
# the guest kernel's "kernel:") line and a documented exit status
# (README, grade/qemu-run --help): 121 a bad guest command line, 122 the
# monitor stopped the guest, 123 a bad monitor command line or guest
# image, 126 qemu-run could not start the run.  The monitor never
# crashes or hangs.  Cases already graded elsewhere are not repeated:
# grade/lab1.bats has the unknown mode, the unknown option, the
# truncated image and the write into the hole under te; labN.bats the
# bad values of each lab's own options.

load lib
GRADE_MODE=te
# Every boot here is short: a refusal comes before the guest runs.
GRADE_TIMEOUT=30

# linked_modes: the monitor's modes this tree has, one a line.
linked_modes() {
	"$GRADE_TOP/grade/qemu-run" --list-modes | grep -vx native || true
}

# expect_refused STATUS ERE: the last boot printed exactly one monitor
# line (counters aside), it matches ERE, and the status is STATUS.
expect_refused() {
	expect_status "$1" || return
	expect_match "$2" || return
	local n
	n=$(grep -c '^vmm: ' "$BOOT_LOG" || true)
	((n == 1)) || grade_fail "expected one 'vmm:' line, saw $n"
}

# elf_with_memsz FILE SIZE: obj/kernel with its last PT_LOAD segment
# grown to SIZE bytes in memory (more .bss), written to FILE.
elf_with_memsz() {
	python3 - "$GRADE_TOP/obj/kernel" "$1" "$2" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
phoff, = struct.unpack_from("<I", data, 28)
phentsize, phnum = struct.unpack_from("<HH", data, 42)
last = None
for i in range(phnum):
    off = phoff + i * phentsize
    if struct.unpack_from("<I", data, off)[0] == 1:  # PT_LOAD
        last = off
struct.pack_into("<I", data, last + 20, int(sys.argv[3]))
open(sys.argv[2], "wb").write(data)
PY
}

# Boots that are refused before the guest runs take QEMU's start-up
# and little else, so they run two at a time: boot_start both, then
# boot_wait, then check each with boot_use.

# points: 1
@test "bad images: bad magic, empty, bigger than mem=; natively, a truncated one" {
	local bad="$BATS_TEST_TMPDIR/badmagic" empty="$BATS_TEST_TMPDIR/empty"
	local big="$BATS_TEST_TMPDIR/big" cut="$BATS_TEST_TMPDIR/cut"
	cp "$GRADE_TOP/obj/kernel" "$bad"
	printf 'XELF' | dd of="$bad" conv=notrunc status=none
	: >"$empty"
	elf_with_memsz "$big" $((8 << 20))
	head -c 3000 "$GRADE_TOP/obj/kernel" >"$cut"

	boot_start badmagic --kernel "$bad" --append init=hello
	boot_start empty --kernel "$empty" --append init=hello
	boot_wait badmagic
	boot_wait empty
	boot_use badmagic
	expect_refused 123 '^vmm: guest image: not a loadable i386 ELF: not an ELF file \(bad magic\)$'
	boot_use empty
	expect_refused 123 '^vmm: guest module is empty or out of reach$'

	boot_start big --kernel "$big" --vmm-args mem=4 --append init=hello
	# Natively QEMU loads the image itself, and the runner says so.
	boot_start cut-native --mode native --kernel "$cut" --append init=hello
	boot_wait big
	boot_wait cut-native
	boot_use big
	expect_refused 123 '^vmm: guest image: segment at physical [0-9a-f]{8}-[0-9a-f]{8} does not fit in 4 MiB of guest memory$'
	boot_use cut-native
	expect_status 126
	grep -q '^qemu-run: QEMU failed to start' "$(boot_file cut-native err)" ||
		grade_fail "no 'qemu-run: QEMU failed to start' line"
}

# points: 1
@test "mem=: zero, absurd, not a number, more than 512 or than the machine has" {
	local size
	boot_start mem-0 --vmm-args mem=0 --append init=hello
	boot_start mem-99999999999999999999 --vmm-args mem=99999999999999999999 \
		--append init=hello
	boot_wait mem-0
	boot_wait mem-99999999999999999999
	boot_start mem-12x --vmm-args mem=12x --append init=hello
	boot_start mem-513 --vmm-args mem=513 --append init=hello
	boot_wait mem-12x
	boot_wait mem-513
	for size in 0 99999999999999999999 12x 513; do
		boot_use "mem-$size"
		expect_refused 123 "^vmm: mem=$size: give the guest's memory in MiB, 4 to 512\$" ||
			return
	done
	# QEMU gets the runner's --mem plus 192 MiB; the monitor keeps 40.
	boot mem-nofit --mem 16 --vmm-args mem=512 --append init=hello
	expect_refused 123 "^vmm: the guest's 512 MiB do not fit: the monitor keeps 40 MiB and the machine has [0-9]+ MiB\$"
	boot mem-runner --mode native --mem 0 --append init=hello
	expect_status 126
	grep -q '^qemu-run: --mem wants at least 16' "$(boot_file mem-runner err)" ||
		grade_fail "no 'qemu-run: --mem wants at least 16' line"
}

# A later word overrides an earlier one (docs/DESIGN.md §1: the runner
# puts its own mode= and mem= first), but every word must be valid.
# points: 1
@test "options: malformed, repeated with a bad first value, too many; the last repeat wins" {
	boot_start malformed --vmm-args '=5' --append init=hello
	boot_start rep-mem --vmm-args 'mem=0 mem=64' --append init=hello
	boot_wait malformed
	boot_wait rep-mem
	boot_use malformed
	expect_refused 123 "^vmm: unknown option '=5' \\(known: mode="
	boot_use rep-mem
	expect_refused 123 "^vmm: mem=0: give the guest's memory in MiB, 4 to 512\$"

	boot_start rep-mode --vmm-args 'mode=bogus mode=te' --append init=hello
	boot_start rep-shadow --vmm-args 'shadow=bogus shadow=rebuild' --append init=hello
	boot_wait rep-mode
	boot_wait rep-shadow
	boot_use rep-mode
	expect_refused 123 "^vmm: unknown mode 'bogus' \\(this monitor has: "
	boot_use rep-shadow
	expect_refused 123 '^vmm: shadow=bogus: no such shadow MMU'

	boot_start words --vmm-args "$(printf 'eager=on %.0s' {1..40})" --append init=hello
	boot_start rep-last --vmm-args 'shadow=rebuild shadow=traced' --append init=hello
	boot_wait words
	boot_wait rep-last
	boot_use words
	expect_refused 123 '^vmm: too many words on the command line$'
	boot_use rep-last
	expect_match '^vmm: mode te, shadow traced, '
	expect_line 'hello, world'
	expect_status 0
}

# points: 1
@test "a guest command line longer than the buffer: one line, natively too" {
	local line
	line="init=hello $(printf 'x%.0s' {1..1100})"
	boot_start long --append "$line"
	boot_start long-native --mode native --append "$line"
	boot_wait long
	boot_wait long-native
	boot_use long
	expect_refused 123 '^vmm: command line longer than 1023 bytes'
	boot_use long-native
	expect_line 'kernel: command line longer than 1023 bytes'
	expect_status 121
}

# The guest-side cases, in every linked mode against native.  A jump
# into the hole ends in the guest's own #PF (and its panic, status 120)
# as natively; te turns the #GP of its truncated limits into that #PF
# (lab1-deprivilege/holefault.c).  test=picpit programs the PIC and PIT
# with nonsense first and must read back as natively.
# points: 2
@test "a kernel far jump into the hole, after PIC and PIT nonsense, is the guest's #PF in every mode" {
	local mode
	for mode in $(linked_modes); do
		fidelity_check --status 120 hole "$mode" 'test=picpit,jumphole:far' ||
			return
		expect_line 'picpit: 200 ticks of a 20 kHz timer, then the kernel'"'"'s set-up again'
		expect_match '^  cr2 fc001000$'
		expect_no_match '^vmm: (stopping|.*internal)'
	done
}

# QEMU's TCG checks %cs's limit on far transfers only: under te a near
# jump into the hole runs at ring 1 there (docs/DESIGN.md §2), so te is
# graded on it only where the CPU enforces limits (ACCEL=kvm).
# points: 1
@test "a kernel near jump into the hole is the guest's #PF (te: KVM only)" {
	local mode
	for mode in $(linked_modes); do
		if [[ $mode == te && ${ACCEL:-tcg} != kvm ]]; then
			continue
		fi
		fidelity_check --status 120 nearhole "$mode" test=jumphole || return
		expect_match '^  cr2 fc001000$'
	done
}

# points: 1
@test "a guest write into the monitor's code faults as natively in bt and vt" {
	local mode
	for mode in $(linked_modes); do
		[[ $mode != te ]] || continue # grade/lab1.bats
		fidelity_check --status 120 monhole "$mode" test=monhole || return
		expect_no_match 'monhole: FAIL'
	done
}

# The hole guard (docs/DESIGN.md §2): a guest kernel store into the hole
# must never reach the monitor, under TCG too, which ignores segment
# limits on stores.  test=holewrite writes one word into each of the
# hole's 16384 pages, resuming after each fault: natively every one is
# a #PF.  A monitor leaves ring 1 only its trap entry stack (and bt the
# header of its area), pages it reads nothing from, so at most two
# writes land; the guest then runs hello.  With holeguard=off the same
# run corrupts the monitor under TCG.
# points: 2
@test "a guest kernel write into every page of the hole never reaches the monitor, in every mode" {
	boot holewrite-native --mode native --append 'test=holewrite init=hello'
	expect_line 'holewrite: 0 of 16384 pages took the write' || return
	local mode
	for mode in $(linked_modes); do
		boot "holewrite-$mode" --mode "$mode" \
			--append 'test=holewrite init=hello'
		expect_status 0 || return
		expect_match '^holewrite: [0-2] of 16384 pages took the write' ||
			return
		expect_line 'hello, world' || return
		expect_no_match '^vmm: (stopping|.*internal)' || return
	done
}

# A GDT that reaches the monitor's own descriptors cannot be shadowed:
# te and bt stop the guest with one line; vt runs it as natively.
# points: 1
@test "a GDT with limit 0xffff: one clear line under te and bt, as natively under vt" {
	local mode
	for mode in $(linked_modes); do
		if [[ $mode == vt ]]; then
			fidelity_check gdtbig vt 'test=gdtbig init=hello' || return
			expect_line 'gdtbig: selector fff0 reads its marker'
			continue
		fi
		boot "gdtbig-$mode" --mode "$mode" --append 'test=gdtbig init=hello'
		expect_status 122 || return
		expect_line "vmm: guest GDT has 8192 entries; the monitor's descriptors start at entry 8186" ||
			return
	done
}
