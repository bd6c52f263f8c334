#!/bin/bash
# Mutation smoke: can the tests fail?  Each mutant is one deliberate fault
# in the product (an #ifdef RST_MUTATE_<NAME>, built with `make
# MUTATE=name` into build/mutant-name); the fast tests listed with it run
# against it, and at least one of them must FAIL.  The unmutated build
# runs the same tests first and must pass them, or a broken test would
# seem to catch everything.
#
#   tests/mutation-smoke.sh [MUTANT...]      (root; `make mutation-smoke`)
#
# Prints per mutant "PASS mutation.NAME: caught by TEST..." or "FAIL
# mutation.NAME: survived TEST...", then "N passed, N failed, N skipped";
# exit 1 when a mutant survived or the baseline failed.  Takes ~5 min on 2
# CPUs (7 builds), so it is not part of `make test`.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
BASE=$TOP/build

# name | the fault | the tests expected to catch it:
#   unit, bpf (tests/bpf), integration/NAME, scenario/NAME (on the host)
MUTANTS="
no_local_fold|the local stack's RST to a closed port is not folded into the refused connect's record|bpf scenario/refused
owner_pid|the owner table names another pid|bpf
refused_as_reset|a RST answering our SYN is called a reset, not a refusal|scenario/refused integration/test_output
ttl_boundary|an initial TTL (64, 128) is taken for the next one up: hops wrong|unit
origin_swap|the origin verdict says peer for middlebox and back|unit
lose_tenth|every tenth record is lost and not counted as lost|integration/test_faults
json_quote|the JSON escaper lets '\"' through|unit
"

[ "$(id -u)" = 0 ] || { echo "mutation-smoke: the tests load BPF programs: run as root" >&2; exit 1; }

# run_test OUTDIR TEST LOG: runs TEST against the build in OUTDIR (rstgen
# and jsonq from the baseline); 0 when it passed, 1 when anything FAILed.
run_test() {
	local dir=$1 t=$2 log=$3
	case $t in
	unit) "$dir/tests/unit_tests" ;;
	bpf) "$dir/tests/bpf_tests" "$TOP/tests/bpf/logic_tests.bpf.c" ;;
	integration/*) OUT=$BASE RSTSNOOP=$dir/rstsnoop bash "tests/integration/${t#*/}.sh" ;;
	scenario/*)
		tests/vm/run-host.sh "tests/vm/scenarios/${t#*/}.sh" "$dir/rstsnoop" \
			"$BASE/rstgen" "$BASE/jsonq" "$BASE/rawrst" ;;
	*) echo "FAIL $t: no such kind of test" ;;
	esac >"$log" 2>&1
	local rc=$?
	[ "$rc" = 0 ] && ! grep -q '^FAIL ' "$log"
}

all_tests=$(echo "$MUTANTS" | cut -d'|' -f3 | tr ' ' '\n' | sort -u | grep .)
wanted=${*:-$(echo "$MUTANTS" | cut -d'|' -f1 | grep .)}
logs=$BASE/mutation-smoke
rm -rf "$logs" && mkdir -p "$logs" || exit 1
passed=0 failed=0

echo "== baseline (unmutated build/)"
make -s -j2 OUT="$BASE" "$BASE/rstsnoop" "$BASE/rstgen" "$BASE/jsonq" "$BASE/rawrst" \
	"$BASE/tests/unit_tests" "$BASE/tests/bpf_tests" >"$logs/baseline.build" 2>&1 ||
	{ echo "FAIL mutation.baseline: build failed (see $logs/baseline.build)"; exit 1; }
for t in $all_tests; do
	if run_test "$BASE" "$t" "$logs/baseline.${t//\//.}"; then
		echo "baseline: $t passes"
	else
		echo "FAIL mutation.baseline: $t fails unmutated (see $logs/baseline.${t//\//.}): nothing below would mean anything"
		echo "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
done

for name in $wanted; do
	line=$(echo "$MUTANTS" | grep "^$name|") || { echo "FAIL mutation.$name: no such mutant"; failed=$((failed + 1)); continue; }
	what=$(echo "$line" | cut -d'|' -f2) tests=$(echo "$line" | cut -d'|' -f3)
	dir=$TOP/build/mutant-$name
	echo "== mutant $name: $what"
	if ! make -s -j2 MUTATE="$name" OUT="$dir" "$dir/rstsnoop" "$dir/tests/unit_tests" \
		"$dir/tests/bpf_tests" >"$logs/$name.build" 2>&1; then
		echo "FAIL mutation.$name: the mutant does not build (see $logs/$name.build)"
		failed=$((failed + 1))
		continue
	fi
	caught="" survived=""
	for t in $tests; do
		log=$logs/$name.${t//\//.}
		if run_test "$dir" "$t" "$log"; then
			survived="$survived $t"
		else
			caught="$caught $t ($(grep -c '^FAIL ' "$log") FAIL: $(grep -m 1 '^FAIL ' "$log" | cut -c1-120))"
		fi
	done
	if [ -n "$caught" ]; then
		echo "PASS mutation.$name: caught by$caught${survived:+; not by$survived}"
		passed=$((passed + 1))
	else
		echo "FAIL mutation.$name: survived$survived (logs: $logs/$name.*)"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" = 0 ]
