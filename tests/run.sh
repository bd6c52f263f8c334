#!/bin/bash
# The whole test suite: unit tests, integration tests on this kernel, and
# the kernel matrix under QEMU.  Every test prints PASS/FAIL/SKIP lines;
# this script relays them and ends with "N passed, N failed, N skipped".
# Needs root (run through `make test`, which builds first).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/build}
export OUT

if [ "$(id -u)" != 0 ]; then
	echo "tests/run.sh: the tests load BPF programs and create network namespaces: run as root" >&2
	exit 1
fi

log=$(mktemp /tmp/rstsnoop-results.XXXXXX)
trap 'rm -f "$log"' EXIT

# Relays a test program's output, keeping its result lines for the tally
# (sub-suites' own closing lines are dropped: there is one, at the end).
relay() {
	"$@" 2>&1 | grep -Ev '^[0-9]+ passed, [0-9]+ failed' | tee -a "$log"
}

# Sanitizer reports go to files, one per process, so that a report from
# any rstsnoop a test started fails the suite even where the test itself
# only looked at the output.  UBSan is built to abort on its first report.
sanitizer_env() {
	export ASAN_OPTIONS="log_path=$1/asan:detect_leaks=1"
	export UBSAN_OPTIONS="log_path=$1/ubsan:print_stacktrace=1:halt_on_error=1"
}

# unit_and_integration PREFIX: the unit and integration tests against $OUT;
# PREFIX goes before each result name.  Under sanitizers ($1 non-empty),
# every test that left a report gets a FAIL line of its own.
unit_and_integration() {
	local prefix=$1 reports=""
	if [ -n "$prefix" ]; then
		reports=$(mktemp -d /tmp/rstsnoop-sanitizer.XXXXXX)
		# rstsnoop --user writes its report as that user
		chmod 1777 "$reports"
		sanitizer_env "$reports"
	fi
	run_one() {
		local name=$1
		shift
		echo "== $prefix$name"
		relay "$@" | sed -u "s/^\(PASS\|FAIL\|SKIP\) /\1 $prefix/"
		if [ -n "$reports" ] && [ -n "$(ls -A "$reports")" ]; then
			echo "FAIL ${prefix}sanitizer_reports_$name: $(cat "$reports"/* | grep -m 3 -E 'ERROR|runtime error|SUMMARY' | tr '\n' ' ')" | tee -a "$log"
			mkdir -p "$TOP/build/sanitizer-reports"
			mv "$reports"/* "$TOP/build/sanitizer-reports/"
		fi
	}
	run_one unit_tests "$OUT/tests/unit_tests"
	# the kernel side's logic: the same BPF code under both passes
	[ -n "$prefix" ] || run_one bpf_tests "$OUT/tests/bpf_tests" "$TOP/tests/bpf/logic_tests.bpf.c"
	for t in "$TOP"/tests/integration/test_*.sh; do
		run_one "$(basename "$t" .sh)" bash "$t"
	done
	[ -z "$reports" ] || rm -rf "$reports"
}

if [ "${RSTSNOOP_SANITIZED:-0}" = 1 ]; then
	unit_and_integration "asan:"
else
	unit_and_integration ""
fi
# The scenarios (tests/vm/scenarios/) are one source for this kernel and
# the VM kernels: on the host they run even when the VMs are skipped.
if [ "${RSTSNOOP_SKIP_MATRIX:-0}" = 1 ]; then
	echo "== scenarios on this kernel"
	relay "$TOP/tests/vm/matrix.sh" -k host
	echo "SKIP kernel_matrix: RSTSNOOP_SKIP_MATRIX=1 (VM kernels not run)" | tee -a "$log"
else
	echo "== scenarios on this kernel and the kernel matrix"
	relay "$TOP/tests/vm/matrix.sh"
fi
if [ -n "${FUZZ_OUT:-}" ]; then
	echo "== fuzz smoke: each target ${FUZZ_SMOKE_SECONDS:=15} s"
	relay "$TOP/tests/fuzz/run.sh" "$FUZZ_OUT" "$FUZZ_SMOKE_SECONDS"
fi
if [ -n "${SANITIZE_OUT:-}" ]; then
	echo "== the same tests against the ASan + UBSan build"
	OUT=$SANITIZE_OUT unit_and_integration "asan:"
fi

passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
skipped=$(grep -c '^SKIP ' "$log")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
