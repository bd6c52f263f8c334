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

echo "== unit tests"
relay "$OUT/tests/unit_tests"
for t in "$TOP"/tests/integration/test_*.sh; do
	echo "== $(basename "$t")"
	relay bash "$t"
done
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

passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
skipped=$(grep -c '^SKIP ' "$log")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
