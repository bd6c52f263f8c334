#!/bin/bash
# One real tracing run under valgrind memcheck: start, privilege drop,
# records for a refused storm, SIGINT, drain and exit, with 0 errors and
# 0 bytes left allocated.  Known false positives of valgrind inside libbpf
# are suppressed in tests/valgrind/libbpf.supp (each one explained there).
. "$(dirname "$0")/../lib.sh"

ATTEMPTS=50

begin "valgrind_memcheck_tracing_run"
if ! command -v valgrind >/dev/null; then
	skip_scenario "valgrind not installed (scripts/setup.sh --test)"
elif grep -qa __asan_init "$RSTSNOOP"; then
	skip_scenario "an ASan build cannot run under valgrind (the plain build's pass runs this)"
fi
if [ -n "$SKIPPED" ]; then
	finish
	exit 0
fi
ns=$(make_netns vg)
nsino=$(netns_inode "$ns")
valgrind --suppressions="$TOP/tests/valgrind/libbpf.supp" --leak-check=full \
	--show-leak-kinds=all --errors-for-leak-kinds=all --log-file="$WORK/vg.log" \
	"$RSTSNOOP" --json -P 7211 >"$WORK/vg.out" 2>"$WORK/vg.err" &
RSTSNOOP_PID=$!
# valgrind needs seconds to load the programs: poll longer than start_rstsnoop
for _ in $(seq 240); do
	grep -q '^rstsnoop: tracing' "$WORK/vg.err" && break
	kill -0 "$RSTSNOOP_PID" 2>/dev/null || break
	sleep 0.25
done
if grep -q '^rstsnoop: tracing' "$WORK/vg.err"; then
	ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count $ATTEMPTS --name rt-vg \
		>"$WORK/gen" 2>&1
	pid=$(gen_value "$WORK/gen" pid)
	sleep 1 # the loop polls every 50 ms, slower under valgrind
	stop_rstsnoop
	want "exit status" $? 0
	want "records for the test's process" "$($QUERY "$WORK/vg.out" count netns="$nsino" \
		pid="$pid" comm=rt-vg cause=refused)" $ATTEMPTS
	want "memcheck errors" "$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$WORK/vg.log")" 0
	want "bytes in use at exit" \
		"$(sed -n 's/.*in use at exit: \([0-9,]*\) bytes.*/\1/p' "$WORK/vg.log")" 0
	want "stderr only the start line ($(grep -v '^rstsnoop: tracing' "$WORK/vg.err" | head -c 200))" \
		"$(grep -vc '^rstsnoop: tracing' "$WORK/vg.err")" 0
else
	abort "rstsnoop under valgrind did not start: $(head -c 300 "$WORK/vg.err")"
fi
finish
