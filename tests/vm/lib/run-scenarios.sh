#!/bin/sh
# Runs scenario scripts one after another; shared by the VM /init and by
# run-host.sh, so it is plain POSIX sh that busybox ash runs too.
#
#   run-scenarios.sh SCENARIO.sh...
#
# Each scenario runs as `/bin/sh SCENARIO.sh` (dash on Debian and in the VM)
# in a fresh scratch directory ($SCENARIO_TMP, also its cwd), with
# $SCENARIO_LIB naming the helpers it sources (scenario-lib.sh, which
# sources $TEST_COMMON_LIB), with a time limit of $SCENARIO_TIMEOUT seconds
# (default 120). Its stdout+stderr go to our stdout. The scenario
# prints its own result lines:
#   PASS <name>
#   FAIL <name>: <why>
#   SKIP <name>: <why>
# A scenario with a line "# programs: both" runs a second time with
# RSTSNOOP_PROGRAMS=classic (scenario-lib.sh then forces rstsnoop's classic
# tracepoint programs and prefixes its result names with "classic."), so
# both program sets run for real on every kernel.
# This runner adds a FAIL line when a scenario times out, exits non-zero
# without printing any FAIL line, or prints no result line at all, so that
# nothing passes silently. Exit status: 1 if any FAIL line was printed.

: "${SCENARIO_TIMEOUT:=120}"
# The scenarios' helpers, next to this runner (in the VM and on the host),
# and the shell helpers all tests share (tests/lib/common.sh), which
# scenario-lib.sh sources: the VM image packs it beside this runner, in the
# tree it is two folders up.
here=$(cd "$(dirname "$0")" && pwd)
SCENARIO_LIB=$here/scenario-lib.sh
TEST_COMMON_LIB=$here/common.sh
[ -f "$TEST_COMMON_LIB" ] || TEST_COMMON_LIB=$(cd "$here/../../lib" && pwd)/common.sh
export SCENARIO_LIB TEST_COMMON_LIB
base=${TMPDIR:-/tmp}/scenarios.$$
mkdir -p "$base" || exit 1
failed=0
runs=""
for s in "$@"; do
	case "$s" in /*) ;; *) s=$PWD/$s ;; esac
	runs="$runs $s:"
	grep -q '^# programs: both' "$s" && runs="$runs $s:classic"
done
for run in $runs; do
	s=${run%:*}
	RSTSNOOP_PROGRAMS=${run##*:}
	export RSTSNOOP_PROGRAMS
	name=${s##*/}
	name=${name%.sh}${RSTSNOOP_PROGRAMS:+.$RSTSNOOP_PROGRAMS}
	SCENARIO_TMP=$base/$name
	mkdir -p "$SCENARIO_TMP"
	export SCENARIO_TMP
	echo "=== scenario $name ($(uname -r))"
	# Under lockdown=confidentiality the classic tracepoint programs cannot
	# run (tracefs hidden, kernel reads refused): their second runs are
	# skipped there (hardening.sh checks that rstsnoop says so); the
	# BTF-typed programs run every scenario.
	if [ "$RSTSNOOP_PROGRAMS" = classic ] &&
		grep -Eq '(^| )lockdown=confidentiality( |$)' /proc/cmdline; then
		echo "SKIP $name: lockdown=confidentiality: the classic programs cannot run here (hardening.sh checks that rstsnoop says so)"
		continue
	fi
	out=$base/$name.out
	{
		# Own session/process group, so that whatever the scenario left
		# running is killed afterwards and cannot hold the pipe open.
		cd "$SCENARIO_TMP" || exit 1
		setsid timeout "$SCENARIO_TIMEOUT" /bin/sh "$s" &
		pid=$!
		wait $pid
		echo $? >"$out.rc"
		kill -KILL -"$pid" 2>/dev/null
		cd /
	} 2>&1 | tee "$out"
	rc=$(cat "$out.rc" 2>/dev/null || echo 255)
	if [ "$rc" = 124 ] || [ "$rc" = 143 ]; then
		echo "FAIL $name: timed out after ${SCENARIO_TIMEOUT}s"
		failed=1
	elif ! grep -Eq '^(PASS|FAIL|SKIP) ' "$out"; then
		echo "FAIL $name: printed no result line (exit status $rc)"
		failed=1
	elif [ "$rc" != 0 ] && ! grep -q '^FAIL ' "$out"; then
		echo "FAIL $name: exited with status $rc"
		failed=1
	fi
	grep -q '^FAIL ' "$out" && failed=1
	echo "=== end $name (exit $rc)"
done
rm -rf "$base"
exit $failed
