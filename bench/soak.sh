#!/bin/bash
# Soak: a refused-connect storm at SOAK_RATE per second for SECONDS while
# rstsnoop traces (--json to /dev/null), sampled every SOAK_SAMPLE_S:
# rstsnoop's RSS, its CPU time and its programs' BPF run time per event,
# the occupancy of its socket table, and at the end the records it lost.
# Not a test: a measurement for bench/results.md (root, a quiet machine).
#
#   bench/soak.sh [--record] [SECONDS]     (default 1800)
#
# Prints one row per sample and a verdict block; writes both to
# bench/out/soak-DATE.md, and with --record also replaces the "## Soak"
# section of bench/results.md.  Goals: RSS flat within 1 MiB, 0 lost,
# socket-table occupancy flat, CPU per event constant (last quarter within
# 20% of the first).  The first SOAK_WARMUP_S (60) are not judged.
# Knobs: SOAK_RATE (10000), SOAK_SAMPLE_S (10), SOAK_WARMUP_S (60),
# RSTSNOOP, RSTGEN (default build/rstsnoop, build/rstgen).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
record=0
[ "${1:-}" = --record ] && { record=1; shift; }
DURATION=${1:-1800}
RATE=${SOAK_RATE:-10000}
SAMPLE=${SOAK_SAMPLE_S:-10}
WARMUP=${SOAK_WARMUP_S:-60}
RSTSNOOP=${RSTSNOOP:-$TOP/build/rstsnoop}
RSTGEN=${RSTGEN:-$TOP/build/rstgen}
PORT=7211

die() { echo "soak: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (BPF, network namespaces)"
[ -x "$RSTSNOOP" ] && [ -x "$RSTGEN" ] || die "build first: make build/rstsnoop build/rstgen"
[ "$DURATION" -gt "$WARMUP" ] 2>/dev/null || die "SECONDS must be a number above SOAK_WARMUP_S ($WARMUP)"

ns=rstsoak$$
work=$(mktemp -d /tmp/rstsnoop-soak.XXXXXX)
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
rst_pid="" gen_pids=()
cleanup() {
	[ ${#gen_pids[@]} -gt 0 ] && kill "${gen_pids[@]}" 2>/dev/null
	[ -n "$rst_pid" ] && kill -INT "$rst_pid" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns" || die "ip netns add failed"
ip -n "$ns" link set lo up
echo 1 >/proc/sys/kernel/bpf_stats_enabled

"$RSTSNOOP" --json -P $PORT >/dev/null 2>"$work/err" &
rst_pid=$!
for _ in $(seq 200); do
	grep -q '^rstsnoop: tracing' "$work/err" && break
	kill -0 "$rst_pid" 2>/dev/null || die "rstsnoop exited: $(cat "$work/err")"
	sleep 0.05
done
grep -q '^rstsnoop: tracing' "$work/err" || die "rstsnoop did not start"

# The ids of rstsnoop's programs and of its socket table, from its fdinfo.
ids_of() { grep -hoE "^$1_id:[[:space:]]*[0-9]+" /proc/"$rst_pid"/fdinfo/* | awk '{print $2}' | sort -u; }
prog_ids=$(ids_of prog)
socks_id=""
for id in $(ids_of map); do
	bpftool map show id "$id" | grep -q ' name socks ' && socks_id=$id
done

# snmp FIELD NETNS: the namespace's Tcp counter (the tests' shared helper)
. "$TOP/tests/lib/common.sh"
bpf_run_ns() {
	local id sum=0 ns
	for id in $prog_ids; do
		ns=$(bpftool -j prog show id "$id" 2>/dev/null |
			python3 -c 'import json, sys; print(json.load(sys.stdin).get("run_time_ns", 0))')
		sum=$((sum + ${ns:-0}))
	done
	echo $sum
}
cpu_ns() { # rstsnoop's utime + stime
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($14 + $15) * 1e9 / hz }' /proc/"$rst_pid"/stat
}
occupancy() {
	[ -n "$socks_id" ] || { echo -1; return; }
	# an array of sets of slots: count the live ones (a key, not closed)
	bpftool -j map dump id "$socks_id" | python3 -c 'import json, sys
print(sum(1 for e in json.load(sys.stdin) for w in e["formatted"]["value"]["way"]
          if w["key"] and not w["info"]["closed"]))'
}

# About 1,000 connects per second per generator (1 ms between attempts).
gens=$(((RATE + 999) / 1000))
for _ in $(seq "$gens"); do
	ip netns exec "$ns" "$RSTGEN" connect --port $PORT --interval-ms 1 --seconds "$DURATION" \
		--name soak-gen >/dev/null 2>&1 &
	gen_pids+=($!)
done

out=$TOP/bench/out/soak-$(date -u +%Y%m%dT%H%M%SZ).md
mkdir -p "$TOP/bench/out"
{
	echo "| t s | events | rate/s | RSS KiB | live owner slots | user ns/event | BPF ns/event |"
	echo "|---:|---:|---:|---:|---:|---:|---:|"
} | tee "$work/table"
start=$(date +%s)
ev_prev=$(snmp AttemptFails "$ns") ev0=$ev_prev cpu_prev=$(cpu_ns) bpf_prev=$(bpf_run_ns)
t_prev=$start
# every sample lies inside the storm: the generators stop at DURATION
while [ $(($(date +%s) - start + SAMPLE)) -le "$DURATION" ]; do
	sleep "$SAMPLE"
	kill -0 "$rst_pid" 2>/dev/null || die "rstsnoop died: $(cat "$work/err")"
	now=$(date +%s) ev=$(snmp AttemptFails "$ns") cpu=$(cpu_ns) bpf=$(bpf_run_ns)
	rss=$(awk '/^VmRSS/ {print $2}' /proc/"$rst_pid"/status)
	occ=$(occupancy)
	dev=$((ev - ev_prev))
	[ "$dev" -gt 0 ] || dev=1
	printf '| %d | %d | %d | %d | %d | %d | %d |\n' $((now - start)) $((ev - ev0)) \
		$((dev / (now - t_prev > 0 ? now - t_prev : 1))) "$rss" "$occ" \
		$(((cpu - cpu_prev) / dev)) $(((bpf - bpf_prev) / dev)) | tee -a "$work/table"
	echo "$((now - start)) $rss $occ $(((cpu - cpu_prev) / dev)) $(((bpf - bpf_prev) / dev))" >>"$work/samples"
	ev_prev=$ev cpu_prev=$cpu bpf_prev=$bpf t_prev=$now
done
kill "${gen_pids[@]}" 2>/dev/null
wait "${gen_pids[@]}" 2>/dev/null
gen_pids=()
events=$(($(snmp AttemptFails "$ns") - ev0))
sleep 0.5
kill -INT "$rst_pid"
wait "$rst_pid"
rc=$?
rst_pid=""
lost=$(sed -n 's/^rstsnoop: lost \([0-9]*\) records.*/\1/p' "$work/err")
lost=${lost:-0}

# Verdicts over the samples after the warm-up.
verdict=$(awk -v warm="$WARMUP" -v lost="$lost" -v rc="$rc" '
	$1 <= warm { next }
	{ n++; t[n] = $1; rss[n] = $2; occ[n] = $3; user[n] = $4; bpf[n] = $5 }
	END {
		if (n < 4) { print "too few samples after the warm-up to judge"; exit }
		rmin = rmax = rss[1]; omin = omax = occ[1]
		for (i = 1; i <= n; i++) {
			if (rss[i] < rmin) rmin = rss[i]; if (rss[i] > rmax) rmax = rss[i]
			if (occ[i] < omin) omin = occ[i]; if (occ[i] > omax) omax = occ[i]
		}
		q = int(n / 4); if (q < 1) q = 1
		for (i = 1; i <= q; i++) { u1 += user[i]; b1 += bpf[i] }
		for (i = n - q + 1; i <= n; i++) { u4 += user[i]; b4 += bpf[i] }
		u1 /= q; u4 /= q; b1 /= q; b4 /= q
		printf "- RSS: %d..%d KiB, spread %d KiB: %s (goal: within 1024)\n", rmin, rmax, rmax - rmin, rmax - rmin <= 1024 ? "met" : "NOT met"
		printf "- lost records: %d: %s (goal: 0); rstsnoop exit status %d\n", lost, lost == 0 ? "met" : "NOT met", rc
		printf "- live owner-table slots: %d..%d: %s (goal: flat, within 5%% of the 65536 slots)\n", omin, omax, omax - omin <= 3277 ? "met" : "NOT met"
		printf "- user-space CPU per event: %.0f ns (first quarter) -> %.0f ns (last): %s\n", u1, u4, (u1 == 0 ? u4 == 0 : (u4 / u1 <= 1.2 && u4 / u1 >= 0.8)) ? "constant (within 20%)" : "NOT constant"
		printf "- BPF time per event: %.0f ns (first quarter) -> %.0f ns (last): %s\n", b1, b4, (b1 == 0 ? b4 == 0 : (b4 / b1 <= 1.2 && b4 / b1 >= 0.8)) ? "constant (within 20%)" : "NOT constant"
	}' "$work/samples")

{
	echo "## Soak"
	echo
	echo "\`bench/soak.sh $DURATION\` on $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%d):" \
		"a refused storm aimed at $RATE/s ($gens generators), $events refused connects in" \
		"${DURATION} s, sampled every ${SAMPLE} s; the first ${WARMUP} s are not judged."
	echo
	echo "$verdict"
	echo
	cat "$work/table"
} >"$out"
echo
echo "$verdict"
echo "soak: written to $out"
if [ "$record" = 1 ]; then
	python3 - "$TOP/bench/results.md" "$out" <<'PY'
import re, sys
results, section = sys.argv[1], open(sys.argv[2]).read()
text = open(results).read()
m = re.search(r"^## Soak\n.*?(?=^## |\Z)", text, re.M | re.S)
text = text[:m.start()] + section + "\n" + text[m.end():] if m else text.rstrip("\n") + "\n\n" + section
open(results, "w").write(text)
PY
	echo "soak: the Soak section of bench/results.md now holds this run"
fi
