#!/usr/bin/env bash
# Install what vmmlab needs on Debian or Ubuntu, as root or through sudo.
#
#   conf/deps.sh          everything: build, run, debug, test, benchmark
#   conf/deps.sh run      only what 'make qemu' needs
#
# Elsewhere (or without root and sudo) it prints the command to run and
# fails, so nothing is ever half-installed silently.
set -euo pipefail

run_pkgs=(make gcc gcc-multilib binutils qemu-system-x86 gdb)
test_pkgs=(bats bats-assert bats-support libcunit1-dev libcapstone-dev
	python3 gnuplot-nox git)

case "${1:-all}" in
run) pkgs=("${run_pkgs[@]}") ;;
all) pkgs=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
*) echo "usage: conf/deps.sh [run|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
((${#missing[@]} == 0)) && exit 0

cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: this is not a Debian or Ubuntu system; install the equivalents of: ${missing[*]}" >&2
	exit 1
fi
if ((EUID == 0)); then
	sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo=(sudo)
else
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run as root:  apt-get update && ${cmd[*]}" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" "${cmd[@]}" -qq
