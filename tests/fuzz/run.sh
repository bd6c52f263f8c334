#!/bin/bash
# Runs every libFuzzer target for a while from its committed seed corpus.
#
#   tests/fuzz/run.sh FUZZ_OUT SECONDS [TARGET...]
#
# FUZZ_OUT holds the built targets (make fuzz-build); TARGET defaults to
# all of them (fuzz_output, fuzz_summary, ...).  New inputs go to a scratch
# copy of the corpus: the committed seeds stay as they are.  A crash, a
# sanitizer report or a broken contract is saved under FUZZ_OUT/artifacts/
# (replay: FUZZ_OUT/TARGET ARTIFACT).  Prints PASS/FAIL per target, with
# its execution count, and the total; exit 1 on any FAIL.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
out=$1 seconds=$2
shift 2
[ $# -gt 0 ] || set -- $(cd "$here" && ls fuzz_*.c | sed 's/\.c$//')
mkdir -p "$out/artifacts"
scratch=$(mktemp -d /tmp/rstsnoop-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

total=0 failed=0
for t in "$@"; do
	bin=$out/$t corpus=$here/corpus/${t#fuzz_}
	if [ ! -x "$bin" ]; then
		echo "FAIL $t: $bin not built (make fuzz-build)"
		failed=1
		continue
	fi
	mkdir -p "$scratch/$t"
	cp "$corpus"/* "$scratch/$t/" 2>/dev/null
	# the suite's sanitizer settings (log files) are not for fuzzers
	env -u ASAN_OPTIONS -u UBSAN_OPTIONS "$bin" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
		"$scratch/$t" >"$scratch/$t.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.log" | tail -n 1)
	total=$((total + ${execs:-0}))
	if [ $rc = 0 ] && [ -n "$execs" ]; then
		echo "PASS $t: ${execs} executions in ${seconds} s, 0 crashes"
	else
		why=$(grep -m 1 -E 'ERROR|runtime error|contract broken|Test unit written' "$scratch/$t.log")
		echo "FAIL $t: exit $rc after ${execs:-?} executions: ${why:-see below}"
		grep -m 1 'Test unit written' "$scratch/$t.log"
		failed=1
	fi
done
echo "fuzz: $total executions in total"
exit $failed
