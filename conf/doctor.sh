#!/usr/bin/env bash
# Report on everything vmmlab uses, each with the fix when it is missing.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bad=0
ok() { printf '  %-22s %s\n' "$1" "$2"; }
no() { printf '  %-22s MISSING: %s\n' "$1" "$2"; bad=1; }

echo "vmmlab doctor"

if command -v qemu-system-i386 >/dev/null; then
	ok "QEMU" "$(qemu-system-i386 --version | head -1)"
	# 'enforce' makes QEMU refuse a CPU feature it cannot provide; one
	# that accepts keeps running (halted by -S) until timeout stops it.
	timeout 3 qemu-system-i386 -cpu qemu32,+svm,+umip,enforce -accel tcg \
		-display none -monitor none -serial none -S </dev/null >/dev/null 2>&1
	if (($? == 124)); then
		ok "SVM, UMIP under TCG" "yes (-cpu qemu32,+svm,+umip)"
	else
		no "SVM, UMIP under TCG" "QEMU rejects -cpu qemu32,+svm,+umip,enforce: vmmlab needs QEMU 7 or newer"
	fi
else
	no "QEMU" "run 'make deps' (installs qemu-system-x86)"
fi

command -v gdb >/dev/null && ok "gdb" "$(gdb --version | head -1)" ||
	no "gdb" "run 'make deps' (installs gdb)"
command -v bats >/dev/null && ok "bats" "$(bats --version)" ||
	no "bats" "run 'make deps' (installs bats, bats-assert, bats-support)"
[[ -d /usr/lib/bats/bats-assert ]] && ok "bats-assert" "yes" ||
	no "bats-assert" "run 'make deps'"
[[ -f /usr/include/CUnit/Basic.h ]] && ok "CUnit" "yes" ||
	no "CUnit" "run 'make deps' (installs libcunit1-dev)"
[[ -f /usr/include/capstone/capstone.h ]] && ok "Capstone" "yes (decoder tests)" ||
	no "Capstone" "run 'make deps' (installs libcapstone-dev)"
command -v gnuplot >/dev/null && ok "gnuplot" "yes (make bench charts)" ||
	no "gnuplot" "run 'make deps' (installs gnuplot-nox)"
command -v python3 >/dev/null && ok "python3" "$(python3 --version)" ||
	no "python3" "run 'make deps'"

cc=$(make -s -C "$top" --no-print-directory print-cc 2>/dev/null || echo gcc)
if echo 'int main(void){return 0;}' | $cc -m32 -ffreestanding -c -x c -o /dev/null - 2>/dev/null; then
	ok "32-bit compiler" "$cc -m32"
else
	no "32-bit compiler" "$cc cannot build -m32 code: run 'make deps' (gcc-multilib) or set GCCPREFIX=i386-elf-"
fi

if [[ ! -e /dev/kvm ]]; then
	ok "KVM" "not available (no /dev/kvm): TCG only, which is what grading uses"
elif [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
	ok "KVM" "present but not accessible: add yourself to the 'kvm' group"
elif [[ -f $top/obj/kernel ]]; then
	if "$top/grade/qemu-run" --accel kvm --append init=hello --timeout 20 >/dev/null 2>&1; then
		ok "KVM" "usable (booted the guest OS)"
	else
		ok "KVM" "/dev/kvm opens, but the guest OS does not boot under it here (nested KVM); use TCG"
	fi
else
	ok "KVM" "/dev/kvm is accessible (build with 'make' to test a boot)"
fi

# Mode vt needs AMD SVM in the CPU the guest sees: TCG emulates it for
# every host (the runner asks for -cpu qemu32,+svm); KVM passes it
# through only from an AMD host whose kvm_amd has nested=1.
if [[ -f $top/obj/vmm ]] && "$top/grade/qemu-run" --list-modes 2>/dev/null | grep -qx vt; then
	if "$top/grade/qemu-run" --mode vt --append init=hello --timeout 60 >/dev/null 2>&1; then
		ok "SVM (mode vt)" "under TCG: usable (booted the guest OS under vmrun)"
	else
		no "SVM (mode vt)" "under TCG: the guest OS does not boot under mode vt; run 'grade/qemu-run --mode vt --append init=hello' to see why"
	fi
else
	ok "SVM (mode vt)" "under TCG: QEMU emulates it (build lab 4 with 'make' to test a boot)"
fi
nested=$(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null || true)
if [[ -e /dev/kvm ]] && grep -qw svm /proc/cpuinfo && [[ $nested == 1 || $nested == Y ]]; then
	ok "SVM under KVM" "an AMD host with nested SVM: ACCEL=kvm can run mode vt"
else
	ok "SVM under KVM" "no (needs /dev/kvm on an AMD host with kvm_amd nested=1): mode vt runs under TCG, which grading uses"
fi

exit "$bad"
