# grade/lib.bash: what every grade suite shares.  A suite loads it with
#
#	load lib
#	GRADE_MODE=te		# the mode its boots use unless told otherwise
#
# and grades boots of the guest OS:
#
#	boot NAME [--mode M] [--append LINE] [--vmm-args ARGS] [--timeout SEC]
#	          [--input TEXT] [--until ERE] [--kernel F] [--vmm F] [--mem MIB]
#	    Boot once per test file under NAME (later calls with the same NAME
#	    reuse the run, so several tests can grade one boot) and set
#	    BOOT_NAME, BOOT_LOG (the serial output, without \r) and
#	    BOOT_STATUS (the runner's exit status, see grade/qemu-run --help).
#	expect_status N, expect_line TEXT, expect_match ERE, expect_no_match ERE,
#	expect_order FIRST SECOND, expect_lines_between BEGIN END KEY...
#	    Check the last boot; on failure print why, the end of the serial
#	    output and the commands that reproduce the run, and fail the test
#	    (grade_fail REASON does that for checks of your own).
#	fidelity_check [--status N] [--kernel F] NAME MODE LINE [KEY...]
#	    Boot LINE natively and in MODE and compare the output line by
#	    line; exactly the lines named by the KEYs must differ.  Both runs
#	    must end with status N (default 0, a normal power-off).  With
#	    --kernel, both boot the guest image F instead of obj/kernel.
#	fidelity_check_with [--status N] [--kernel F] NAME MODE VMM_ARGS LINE [KEY...]
#	    The same with monitor options for the run in MODE.
#	vmm_counter NAME
#	    The value of the monitor's counter NAME in the last boot (its
#	    "vmm: counter NAME VALUE" line); fails the test if there is none.
#	boot_start NAME [options] [--gdb PORT], boot_wait NAME [--until ERE],
#	boot_stop NAME, free_tcp_port, wait_for_listen PORT NAME
#	    The same in the background, for runs that something else (gdb)
#	    drives; teardown stops whatever a test left running.
#	gdb_watch NAME SYMBOLS COMMANDS [boot options]
#	    Boot (init=hello unless told) halted for gdb, run gdb with the
#	    symbols of SYMBOLS (obj/vmm, obj/kernel) and COMMANDS, stop the
#	    boot, and set GDB_OUT to what gdb printed; gdb_expect ERE WHY
#	    then checks it, failing with WHY and gdb's last lines;
#	    kernel_symbol NAME gives a guest symbol's address for them.
#
# Every run goes through grade/qemu-run, has a time limit (scaled by
# GRADE_TIMEOUT_SCALE) and is stopped by its process id.  ACCEL (tcg or
# kvm) picks the accelerator; each suite picks its own mode.
# GRADE_FAIL_FAST=1 skips the rest of a file after its first failed test
# with points.  A suite that defines setup or teardown calls grade_setup
# or grade_cleanup from it.
set -euo pipefail

bats_load_library bats-support
bats_load_library bats-assert

GRADE_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GRADE_MODE=${GRADE_MODE:-native}
# Seconds a boot may take before it is killed, before scaling.
GRADE_TIMEOUT=${GRADE_TIMEOUT:-90}
# Lines of serial output a failure shows.
GRADE_TAIL=${GRADE_TAIL:-25}
# The boots the current test used, newest last (each test is a process).
GRADE_BOOTS=()

# ---------------------------------------------------------------- #
# Running the guest                                                  #
# ---------------------------------------------------------------- #

# grade_timeout SEC: SEC times GRADE_TIMEOUT_SCALE, rounded up.
grade_timeout() {
	local scale=${GRADE_TIMEOUT_SCALE:-1}
	if ! [[ $scale =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] ||
		[[ $scale =~ ^[0.]+$ ]]; then
		echo "GRADE_TIMEOUT_SCALE must be a positive number, not '$scale'" >&2
		return 1
	fi
	awk -v t="$1" -v s="$scale" \
		'BEGIN { v = t * s; n = int(v); if (n < v) n++; print (n < 1 ? 1 : n) }'
}

# shquote WORD: WORD as a reader would type it into a shell.
shquote() {
	if [[ $1 =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then
		printf '%s' "$1"
	else
		printf "'%s'" "${1//\'/\'\\\'\'}"
	fi
}

# The files of boot NAME in this test file's scratch directory.
boot_file() {
	printf '%s/boot/%s.%s' "$BATS_FILE_TMPDIR" "$1" "$2"
}

# boot_options [options]: parse boot's options into the associative
# array OPT, starting from the suite's defaults.  --kernel, --vmm and
# --mem go to grade/qemu-run as they are.
boot_options() {
	declare -gA OPT=([mode]=$GRADE_MODE [append]="" [vmm-args]=""
		[timeout]=$GRADE_TIMEOUT [input]="" [until]="" [gdb]=""
		[kernel]="" [vmm]="" [mem]="")
	while (($#)); do
		if [[ $1 != --* || $# -lt 2 ]] || ! [[ -v "OPT[${1#--}]" ]]; then
			echo "boot: unknown option '$1', or no value after it" >&2
			return 1
		fi
		OPT[${1#--}]=$2
		shift 2
	done
}

# boot_describe: OPT as one line, the same for the same options.
boot_describe() {
	local key
	for key in $(printf '%s\n' "${!OPT[@]}" | sort); do
		[[ $key == until ]] || printf '%s=%q ' "$key" "${OPT[$key]}"
	done
}

# boot_commands TIMEOUT: the commands that reproduce the run OPT
# describes, and the same run waiting for gdb.
boot_commands() {
	local mode=${OPT[mode]} append=${OPT[append]} vmm_args=${OPT[vmm-args]}
	local run="grade/qemu-run --mode $mode" mk="MODE=$mode" opt gdb
	[[ ${ACCEL:-tcg} == tcg ]] || run+=" --accel $ACCEL" mk+=" ACCEL=$ACCEL"
	[[ -z $append ]] || run+=" --append $(shquote "$append")"
	[[ -z $vmm_args ]] || run+=" --vmm-args $(shquote "$vmm_args")" \
		mk+=" VMM_ARGS=$(shquote "$vmm_args")"
	for opt in kernel vmm mem; do
		[[ -z ${OPT[$opt]} ]] || run+=" --$opt $(shquote "${OPT[$opt]}")"
	done

	if [[ -n ${OPT[kernel]}${OPT[vmm]}${OPT[mem]} ]]; then
		gdb="$run --interactive --gdb \$(make -s print-gdbport)"
	elif [[ $append =~ ^init=([^ ]+)( (.*))?$ ]]; then
		gdb="make run-${BASH_REMATCH[1]}-nox-gdb $mk"
		[[ -z ${BASH_REMATCH[3]} ]] || gdb+=" ARGS=$(shquote "${BASH_REMATCH[3]}")"
	else
		gdb="make qemu-nox-gdb $mk"
		[[ -z $append ]] || gdb+=" APPEND=$(shquote "$append")"
	fi
	if [[ -n ${OPT[input]} ]]; then
		echo "  reproduce: printf $(shquote "${OPT[input]}") | $run"
		echo "  with gdb:  $gdb   (type the input yourself)"
	else
		echo "  reproduce: $run --timeout $1"
		echo "  with gdb:  $gdb"
	fi
	echo "             then 'make gdb' in another terminal"
}

# boot_start NAME [options as for boot, and --gdb PORT]: start a run in
# the background; boot_wait collects it.
boot_start() {
	local name=$1 timeout
	shift
	boot_options "$@" || return
	[[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || {
		echo "boot: bad run name '$name'" >&2
		return 1
	}
	timeout=$(grade_timeout "${OPT[timeout]}")
	mkdir -p "$BATS_FILE_TMPDIR/boot"
	boot_describe >"$(boot_file "$name" args)"
	boot_commands "$timeout" >"$(boot_file "$name" cmd)"
	echo "$timeout" >"$(boot_file "$name" timeout)"

	local args=(--mode "${OPT[mode]}" --accel "${ACCEL:-tcg}") opt
	for opt in append vmm-args gdb kernel vmm mem; do
		[[ -z ${OPT[$opt]} ]] || args+=("--$opt" "${OPT[$opt]}")
	done
	local serial err
	serial=$(boot_file "$name" serial) err=$(boot_file "$name" err)
	: >"$serial"
	# Nothing of the run may hold bats' descriptors (fd 3 included), or
	# bats would wait for it.
	if [[ -n ${OPT[input]} ]]; then
		# Input needs the serial port on stdio, which qemu-run offers only
		# in the foreground: coreutils timeout limits this run instead.
		# shellcheck disable=SC2059 # the input is a printf format
		(cd "$GRADE_TOP" && exec timeout -k 5 "$timeout" \
			grade/qemu-run "${args[@]}") \
			< <(printf "${OPT[input]}") >"$serial" 2>"$err" 3>&- &
	else
		(cd "$GRADE_TOP" && exec grade/qemu-run "${args[@]}" \
			--timeout "$timeout" --serial "$serial") \
			</dev/null >/dev/null 2>"$err" 3>&- &
	fi
	echo "$!" >"$(boot_file "$name" pid)"
	GRADE_BOOTS+=("$name")
}

# kill_tree PID: stop a process and everything it started (the parent
# first, so that qemu-run does not report its QEMU's death as the guest's).
kill_tree() {
	local child children
	children=$(ps -o pid= --ppid "$1" 2>/dev/null) || true
	kill "$1" 2>/dev/null || true
	for child in $children; do
		kill_tree "$child"
	done
}

# boot_wait NAME [--until ERE]: wait until run NAME powers off (or, with
# --until, prints a line matching ERE, and then stop it); set BOOT_*.
boot_wait() {
	local name=$1 until=""
	[[ ${2:-} != --until ]] || until=$3
	local pid status
	pid=$(<"$(boot_file "$name" pid)")
	while kill -0 "$pid" 2>/dev/null; do
		# (grep -q would stop reading early and fail the pipe.)
		if [[ -n $until ]] && tr -d '\r' <"$(boot_file "$name" serial)" |
			grep -E -- "$until" >/dev/null; then
			boot_stop "$name" "it printed a line matching /$until/"
			break
		fi
		sleep 0.1
	done
	status=0
	wait "$pid" 2>/dev/null || status=$?
	[[ ! -e $(boot_file "$name" stopped) ]] || status=stopped
	echo "$status" >"$(boot_file "$name" status)"
	tr -d '\r' <"$(boot_file "$name" serial)" >"$(boot_file "$name" log)"
	if [[ -n ${GRADE_LOG_DIR:-} ]]; then
		mkdir -p "$GRADE_LOG_DIR"
		cp "$(boot_file "$name" log)" "$GRADE_LOG_DIR/$name.log"
	fi
	boot_use "$name"
}

# boot_use NAME: make run NAME the one the expect_* functions check.
boot_use() {
	# shellcheck disable=SC2034 # for the suites
	BOOT_NAME=$1
	BOOT_LOG=$(boot_file "$1" log)
	BOOT_STATUS=$(<"$(boot_file "$1" status)")
	[[ " ${GRADE_BOOTS[*]} " == *" $1 "* ]] || GRADE_BOOTS+=("$1")
}

# boot NAME [options]: run the guest to power-off once under NAME (see the
# top of this file); a later call with the same NAME and the same
# options reuses the run.
boot() {
	local name=$1
	shift
	boot_options "$@" || return
	if [[ -e $(boot_file "$name" status) ]]; then
		local was
		was=$(<"$(boot_file "$name" args)")
		[[ $was == "$(boot_describe)" ]] || {
			echo "boot: run '$name' was booted with $was, not with $(boot_describe)" >&2
			return 1
		}
		boot_use "$name"
		return 0
	fi
	local until=${OPT[until]}
	boot_start "$name" "$@"
	if [[ -n $until ]]; then
		boot_wait "$name" --until "$until"
	else
		boot_wait "$name"
	fi
}

# boot_stop NAME [WHY]: stop a background run that boot_wait has not
# collected.  (A collected run's process id may be someone else's now.)
boot_stop() {
	local pidfile
	pidfile=$(boot_file "$1" pid)
	if [[ -e $pidfile && ! -e $(boot_file "$1" status) ]]; then
		echo "${2:-the test ended first}" >"$(boot_file "$1" stopped)"
		kill_tree "$(<"$pidfile")"
	fi
	return 0
}

# gdb_watch NAME SYMBOLS COMMANDS [boot options]: boot run NAME halted
# for gdb (init=hello and a 60 s limit unless the options say otherwise),
# run gdb on it with the symbols of SYMBOLS (relative to the tree) and
# COMMANDS after "target remote", then stop the run.  GDB_OUT is what gdb
# printed.  gdb ends when COMMANDS do or when the run does (a panic
# before a breakpoint closes the connection).
gdb_watch() {
	local name=$1 symbols=$2 cmds=$3 port script
	shift 3
	port=$(free_tcp_port)
	boot_start "$name" --append init=hello --timeout 60 --gdb "$port" "$@"
	wait_for_listen "$port" "$name" || return
	script=$BATS_TEST_TMPDIR/$name.gdb
	cat >"$script" <<-EOF
		set pagination off
		set confirm off
		target remote localhost:$port
		symbol-file $GRADE_TOP/$symbols
		$cmds
	EOF
	GDB_OUT=$(cd "$GRADE_TOP" &&
		timeout "$(grade_timeout 60)" gdb -n -batch -x "$script" 2>&1) || true
	boot_stop "$name" "gdb is done"
	boot_wait "$name"
}

# gdb_expect ERE WHY: some line gdb_watch's gdb printed matches ERE, or
# fail saying WHY, with gdb's last lines.
gdb_expect() {
	grep -Eq -- "$1" <<<"$GDB_OUT" ||
		grade_fail "$2; gdb said:" \
			"$(grep -v '^warning: ' <<<"$GDB_OUT" | tail -n 15)"
}

# kernel_symbol NAME: the guest kernel's address of symbol NAME, in hex
# without 0x (for gdb's "break *0x..." and for gdb_expect's patterns).
kernel_symbol() {
	nm "$GRADE_TOP/obj/kernel" | awk -v name="$1" '$3 == name { print $1 }'
}

# ---------------------------------------------------------------- #
# Stopping at the first failure                                      #
# ---------------------------------------------------------------- #

# With GRADE_FAIL_FAST=1, once a test with points fails, every later test
# of the file is skipped ("fail-fast: ...") instead of run: enough for a
# check that only asks whether some graded test fails (handout-check).
# The file's scratch directory remembers the failure between tests,
# which bats runs as separate processes.

# grade_stopped_file: where the first graded failure of this file is noted.
grade_stopped_file() {
	printf '%s/fail-fast' "$BATS_FILE_TMPDIR"
}

# grade_setup: skip the test if GRADE_FAIL_FAST stopped the file.  A
# suite that defines its own setup calls it first.
grade_setup() {
	[[ ${GRADE_FAIL_FAST:-0} == 1 && -e $(grade_stopped_file) ]] || return 0
	skip "fail-fast: stopped after '$(<"$(grade_stopped_file)")' failed"
}
setup() { grade_setup; }

# grade_note_failure: with GRADE_FAIL_FAST, note a failed test that has
# points (bats sets BATS_TEST_COMPLETED only when a test, or its skip,
# got to the end).
grade_note_failure() {
	[[ ${GRADE_FAIL_FAST:-0} == 1 && -z ${BATS_TEST_COMPLETED:-} ]] || return 0
	local points
	points=$(python3 "$GRADE_TOP/grade/results.py" points \
		"$BATS_TEST_FILENAME" "$BATS_TEST_DESCRIPTION") || return 0
	[[ $points == 0 ]] || echo "$BATS_TEST_DESCRIPTION" >"$(grade_stopped_file)"
}

# grade_cleanup: stop every run this test left behind (and note a graded
# failure for GRADE_FAIL_FAST).  A suite that defines its own teardown
# calls it.
grade_cleanup() {
	local name
	for name in "${GRADE_BOOTS[@]}"; do
		boot_stop "$name"
	done
	grade_note_failure
}
teardown() { grade_cleanup; }

# listening_ports: the local TCP ports that something listens on.
listening_ports() {
	local f addr st rest
	for f in /proc/net/tcp /proc/net/tcp6; do
		[[ -r $f ]] || continue
		while read -r _ addr _ st rest; do
			[[ $st == 0A ]] && echo "$((16#${addr##*:}))"
		done < <(tail -n +2 "$f")
	done
	return 0
}

# free_tcp_port: a port for a gdb stub, likely free and distinct per run.
free_tcp_port() {
	local used port i
	used=" $(listening_ports | tr '\n' ' ') "
	for ((i = 0; i < 100; i++)); do
		port=$((20000 + ($$ + i) % 10000))
		[[ $used == *" $port "* ]] || {
			echo "$port"
			return 0
		}
	done
	echo "free_tcp_port: no free port in 20000-29999" >&2
	return 1
}

# wait_for_listen PORT NAME: wait until run NAME listens on PORT.
wait_for_listen() {
	local port=$1 name=$2 i limit pid
	pid=$(<"$(boot_file "$name" pid)")
	limit=$(($(grade_timeout 10) * 10))
	for ((i = 0; i < limit; i++)); do
		[[ " $(listening_ports | tr '\n' ' ') " != *" $port "* ]] || return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	boot_stop "$name" "no gdb stub listened on port $port"
	boot_wait "$name"
	grade_fail "run '$name' never listened on port $port"
}

# ---------------------------------------------------------------- #
# Reporting                                                          #
# ---------------------------------------------------------------- #

# status_reason NAME: what the exit status of run NAME means.
status_reason() {
	local status
	status=$(<"$(boot_file "$1" status)")
	case $status in
	stopped) echo "stopped by the grader: $(<"$(boot_file "$1" stopped)")" ;;
	120) echo "the guest kernel panicked (status 120)" ;;
	121) echo "the guest kernel rejected its command line (status 121)" ;;
	122) echo "the monitor stopped the guest (status 122; its 'vmm:' lines say why)" ;;
	123) echo "the monitor rejected its command line or the guest image (status 123)" ;;
	124) echo "timeout: killed after $(<"$(boot_file "$1" timeout)")s without a power-off (GRADE_TIMEOUT_SCALE=${GRADE_TIMEOUT_SCALE:-1} scales the limit)" ;;
	125) echo "QEMU stopped without a power-off: a triple fault resets the machine (status 125)" ;;
	126) echo "the run could not start (status 126; see qemu-run's message)" ;;
	*) echo "the guest powered off with status $status" ;;
	esac
}

# grade_fail REASON [DETAIL...]: explain the failure and fail the test.
# Shows the details (one line each), the end of the newest boot's serial
# output (GRADE_TAIL lines; 0 for none) and how to rerun each boot the
# test used.
grade_fail() {
	{
		echo "FAIL: $1"
		shift
		(($# == 0)) || printf '%s\n' "$@"
		local name
		for name in "${GRADE_BOOTS[@]}"; do
			if [[ -e $(boot_file "$name" status) ]]; then
				echo "run '$name': $(status_reason "$name")"
			else
				echo "run '$name': still running"
				tr -d '\r' <"$(boot_file "$name" serial)" >"$(boot_file "$name" log)"
			fi
			if [[ -s $(boot_file "$name" err) ]]; then
				sed 's/^/  qemu-run: /' "$(boot_file "$name" err)"
			fi
			if [[ $name == "${GRADE_BOOTS[-1]}" ]] && ((GRADE_TAIL > 0)); then
				echo "--- the last $GRADE_TAIL lines of its serial output" \
					"${GRADE_LOG_DIR:+(all of it: ${GRADE_LOG_DIR#"$GRADE_TOP"/}/$name.log)}"
				tail -n "$GRADE_TAIL" "$(boot_file "$name" log)" |
					awk '{ print "  | " $0 }'
				echo "---"
			fi
			cat "$(boot_file "$name" cmd)"
		done
	} >&2
	return 1
}

# ---------------------------------------------------------------- #
# Checks on the last boot                                            #
# ---------------------------------------------------------------- #

# expect_status N: the guest powered off with status N.
expect_status() {
	[[ $BOOT_STATUS == "$1" ]] ||
		grade_fail "expected the guest to power off with status $1"
}

# expect_line TEXT: some line is exactly TEXT.
expect_line() {
	grep -Fxq -- "$1" "$BOOT_LOG" || grade_fail "missing line: '$1'"
}

# expect_match ERE: some line matches ERE (anchor it with ^ and $).
expect_match() {
	grep -Eq -- "$1" "$BOOT_LOG" || grade_fail "no line matches /$1/"
}

# expect_no_match ERE: no line matches ERE.
expect_no_match() {
	local hit
	if hit=$(grep -Em1 -- "$1" "$BOOT_LOG"); then
		grade_fail "unexpected line: '$hit'"
	fi
}

# expect_order FIRST SECOND: the first line that is exactly FIRST comes
# before the first line that is exactly SECOND, and both exist.
expect_order() {
	local a b
	a=$(grep -Fxn -m1 -- "$1" "$BOOT_LOG" | cut -d: -f1) || true
	b=$(grep -Fxn -m1 -- "$2" "$BOOT_LOG" | cut -d: -f1) || true
	[[ -n $a ]] || grade_fail "missing line: '$1'" || return
	[[ -n $b ]] || grade_fail "missing line: '$2'" || return
	((a < b)) || grade_fail "'$1' (line $a) should come before '$2' (line $b)"
}

# expect_lines_between BEGIN END KEY...: between the lines BEGIN and END
# there is, for each KEY, a line that starts with "KEY: ".
expect_lines_between() {
	local begin=$1 end=$2 key section
	shift 2
	expect_order "$begin" "$end" || return
	section=$'\n'$(B=$begin E=$end awk \
		'$0 == ENVIRON["B"] { on = 1 } on { print } $0 == ENVIRON["E"] { on = 0 }' \
		"$BOOT_LOG")
	for key in "$@"; do
		[[ $section == *$'\n'"$key: "* ]] ||
			grade_fail "between '$begin' and '$end': no line '$key: ...'" ||
			return
	done
}

# ---------------------------------------------------------------- #
# Fidelity: a run under a monitor against the native run             #
# ---------------------------------------------------------------- #

# fidelity_lines FILE: the lines that must agree between two runs -- all
# but timings and the monitor's own lines, which the guest never prints.
fidelity_lines() {
	tr -d '\r' <"$1" | grep -v -e '^timing: ' -e '^vmm: ' || true
}

# line_key LINE: set KEY to what names LINE: its first two fields
# ("fidelity: user sgdt" of "fidelity: user sgdt: base=..."), or the
# whole line if it has fewer.
line_key() {
	if [[ $1 == *': '*': '* ]]; then
		local rest=${1#*: }
		KEY="${1%%: *}: ${rest%%: *}"
	else
		KEY=$1
	fi
}

# fidelity_compare REF OTHER REF_LABEL OTHER_LABEL [KEY...]: compare two
# serial logs line by line.  With no KEY they must agree; with keys,
# exactly the lines named by the keys must differ (in value only).
fidelity_compare() {
	local ref=$1 other=$2 ref_label=$3 other_label=$4
	shift 4
	local -a a b allowed=("$@") differ=() problems=()
	mapfile -t a < <(fidelity_lines "$ref")
	mapfile -t b < <(fidelity_lines "$other")

	local i ka kb key
	if ((${#a[@]} != ${#b[@]})); then
		problems+=("$ref_label printed ${#a[@]} lines, $other_label ${#b[@]}")
	else
		for ((i = 0; i < ${#a[@]}; i++)); do
			[[ ${a[i]} != "${b[i]}" ]] || continue
			line_key "${a[i]}"
			ka=$KEY
			line_key "${b[i]}"
			kb=$KEY
			if [[ $ka != "$kb" ]]; then
				problems+=("line $((i + 1)) is '$ka' in $ref_label but '$kb' in $other_label")
				break
			fi
			differ+=("$ka")
		done
	fi
	if ((${#problems[@]} == 0)); then
		local -A is_allowed=() differs=() present=()
		for key in "${allowed[@]}"; do is_allowed[$key]=1; done
		for key in "${differ[@]}"; do differs[$key]=1; done
		for i in "${a[@]}"; do
			line_key "$i"
			present[$KEY]=1
		done
		for key in "${differ[@]}"; do
			[[ -n ${is_allowed[$key]:-} ]] ||
				problems+=("'$key' differs, and it should not")
		done
		for key in "${allowed[@]}"; do
			if [[ -z ${present[$key]:-} ]]; then
				problems+=("'$key' was expected to differ, but $ref_label has no such line")
			elif [[ -z ${differs[$key]:-} ]]; then
				problems+=("'$key' was expected to differ, but it is the same")
			fi
		done
	fi
	((${#problems[@]} == 0)) && return 0

	{
		printf '%s\n' "${problems[@]}"
		echo "--- diff of the compared lines (timing: and vmm: lines left out)"
		diff -u --label "$ref_label" --label "$other_label" \
			<(printf '%s\n' "${a[@]}") <(printf '%s\n' "${b[@]}") ||
			true
		[[ ${a[*]} != "${b[*]}" ]] || echo "(none: the two runs printed the same)"
		echo "---"
	} >&2
	return 1
}

# fidelity_check [--status N] [--kernel F] NAME MODE LINE [KEY...]: boot
# LINE natively and in MODE (natively twice for MODE native) and compare
# the output: exactly the lines named by the keys may, and must, differ.
# The native run must end with status N, 0 unless told (the guest powered
# off normally), and the run in MODE with the same: a test that expects
# the guest's own panic says --status 120, one whose init dies of a page
# fault --status 78.  Two runs that both panic by surprise agree, but
# they do not pass.  --kernel F boots guest image F in both runs (a
# kernel of guests/, say) instead of obj/kernel.
fidelity_check() {
	local opts=()
	while [[ ${1:-} == --status || ${1:-} == --kernel ]]; do
		opts+=("$1" "${2:-}")
		shift 2
	done
	local name=$1 mode=$2 append=$3
	shift 3
	fidelity_check_with "${opts[@]}" "$name" "$mode" "" "$append" "$@"
}

# shell_fidelity_check MODE: the shell reads piped input (blank lines,
# two programs, exit 7) under MODE and answers line for line as it does
# natively, with the status the input asks for.
shell_fidelity_check() {
	local mode=$1 input='\n\nhello\nforkwait 5\nexit 7\n' ref detail
	boot sh-native --mode native --append init=sh --input "$input"
	ref=$BOOT_LOG
	boot "sh-$mode" --mode "$mode" --append init=sh --input "$input"
	expect_line 'forkwait: 5 children forked and reaped'
	expect_status 7
	detail=$(fidelity_compare "$ref" "$BOOT_LOG" native "$mode" 2>&1) ||
		GRADE_TAIL=0 grade_fail "fidelity, native vs $mode" "$detail"
}

# fidelity_check_with [--status N] [--kernel F] NAME MODE VMM_ARGS LINE
# [KEY...]: the same, with monitor options (e.g. 'shadow=rebuild') for the
# run in MODE.
fidelity_check_with() {
	local want=0 kernel=()
	while [[ ${1:-} == --status || ${1:-} == --kernel ]]; do
		case $1 in
		--status) want=${2:-} ;;
		--kernel) kernel=(--kernel "${2:-}") ;;
		esac
		shift 2
	done
	[[ $want =~ ^[0-9]+$ ]] || {
		echo "fidelity_check: --status needs a number, not '$want'" >&2
		return 1
	}
	local name=$1 mode=$2 vmm_args=$3 append=$4
	shift 4
	local second=$name-$mode
	[[ $mode != native ]] || second=$name-native2
	boot "$name-native" --mode native --append "$append" "${kernel[@]}"
	local ref=$BOOT_LOG ref_status=$BOOT_STATUS
	# The native run is the reference, so it must be right first.
	[[ $ref_status == "$want" ]] ||
		grade_fail "expected the native run to end with status $want, not $ref_status" ||
		return
	if [[ -n $vmm_args ]]; then
		boot "$second" --mode "$mode" --vmm-args "$vmm_args" \
			--append "$append" "${kernel[@]}"
	else
		boot "$second" --mode "$mode" --append "$append" "${kernel[@]}"
	fi
	[[ $BOOT_STATUS == "$want" ]] ||
		grade_fail "the native run ended with status $want, as expected, the $mode run with $BOOT_STATUS" ||
		return
	local label=$mode detail
	[[ $mode != native ]] || label="native-2"
	detail=$(fidelity_compare "$ref" "$BOOT_LOG" native "$label" "$@" 2>&1) ||
		GRADE_TAIL=0 grade_fail \
			"fidelity, native vs $label: the outputs do not agree as required" \
			"$detail"
}

# vmm_counter NAME: print the value of counter NAME from the last boot's
# "vmm: counter NAME VALUE" lines (the monitor prints them at power-off).
vmm_counter() {
	local v
	v=$(awk -v n="$1" '$1 == "vmm:" && $2 == "counter" && $3 == n { print $4 }' \
		"$BOOT_LOG" | tail -n 1)
	[[ -n $v ]] || {
		grade_fail "the monitor printed no counter '$1'"
		return 1
	}
	echo "$v"
}
