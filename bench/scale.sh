#!/bin/bash
# bench/scale.sh - how rstsnoop's cost grows with load (issue 9).  Not a
# test: a measurement for bench/results.md (root, a quiet machine).
#
#   bench/scale.sh [--record]
#
# 1. A refused storm from one process per CPU: paired rounds untraced and
#    traced, attempts/s, records against the kernel's AttemptFails, lost.
# 2. Start-up with SCALE_SOCKETS (100000) open TCP sockets on the host
#    (SCALE_SOCKETS/2 loopback connections in a namespace of ours): time
#    from exec to the ready file, sockets seeded, peak RSS, for the BPF
#    iterator and for /proc.
# 3. A burst of SCALE_BURST (1000000) refused connects, one process per
#    CPU, at the default ring size: records, lost, against AttemptFails.
# Prints Markdown; with --record also replaces the "## Scale" section of
# bench/results.md.  Knobs: SCALE_ROUNDS (3), SCALE_SECONDS (3),
# RSTSNOOP, RSTGEN (default build/rstsnoop, build/rstgen).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
record=0
[ "${1:-}" = --record ] && record=1
ROUNDS=${SCALE_ROUNDS:-3}
SECS=${SCALE_SECONDS:-3}
SOCKETS=${SCALE_SOCKETS:-100000}
BURST=${SCALE_BURST:-1000000}
RSTSNOOP=${RSTSNOOP:-$TOP/build/rstsnoop}
RSTGEN=${RSTGEN:-$TOP/build/rstgen}
CPUS=$(nproc)

die() { echo "scale: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (BPF, network namespaces)"
[ -x "$RSTSNOOP" ] && [ -x "$RSTGEN" ] || die "build first: make build/rstsnoop build/rstgen"

work=$(mktemp -d /tmp/rstsnoop-scale.XXXXXX)
ns=rstscale$$
pids=()
TRACER=""
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# snmp FIELD NETNS: the namespace's Tcp counter (the tests' shared helper)
. "$TOP/tests/lib/common.sh"
fresh_netns() {
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" && ip -n "$ns" link set lo up || die "cannot make a network namespace"
}
# start_tracer OUT ARGS...: rstsnoop in the background until its ready file
# names it.  Sets TRACER, and START_MS to the ms from exec to ready.
start_tracer() {
	local out=$1 ready=$work/ready.$RANDOM t0
	shift
	rm -f "$ready"
	t0=$(date +%s%N)
	"$RSTSNOOP" --ready-file "$ready" "$@" >"$out" 2>"$out.err" &
	TRACER=$!
	pids+=("$TRACER")
	for _ in $(seq 3000); do
		[ "$(cat "$ready" 2>/dev/null)" = "$TRACER" ] && break
		kill -0 "$TRACER" 2>/dev/null || die "rstsnoop did not start: $(head -c 300 "$out.err")"
		sleep 0.01
	done
	START_MS=$((($(date +%s%N) - t0) / 1000000))
}
stop_tracer() { kill -INT "$TRACER"; wait "$TRACER"; }
# storm LIMIT: one rstgen per CPU (LIMIT: --seconds S or --count N each).
# Sets STORM_ATTEMPTS (AttemptFails delta), STORM_RATE (attempts/s), STORM_MS.
storm() {
	local limit=$1 t0 t1 af0 af1 gens=()
	af0=$(snmp AttemptFails "$ns")
	t0=$(date +%s%N)
	for i in $(seq "$CPUS"); do
		# shellcheck disable=SC2086
		ip netns exec "$ns" "$RSTGEN" connect --port 7211 $limit --name scale-$i \
			>"$work/gen.$i" 2>&1 &
		gens+=($!)
	done
	wait "${gens[@]}"
	t1=$(date +%s%N)
	af1=$(snmp AttemptFails "$ns")
	STORM_ATTEMPTS=$((af1 - af0))
	STORM_MS=$(((t1 - t0) / 1000000))
	STORM_RATE=$((STORM_ATTEMPTS * 1000 / (STORM_MS > 0 ? STORM_MS : 1)))
}
count_records() { grep -c '"event":"handshake_failed"' "$1"; }
lost_of() { sed -n 's/^rstsnoop: lost \([0-9]*\) records.*/\1/p' "$1.err"; }

report=$work/report.md
{
	echo "## Scale"
	echo
	echo "- date: $(date -u '+%F %T') UTC; kernel $(uname -r); $CPUS CPUs;" \
		"rstsnoop $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null)"
	echo "- reproduce: \`bench/scale.sh\` (root); programs: $("$RSTSNOOP" --features 2>/dev/null | sed -n 's/^programs: //p')"
	echo
	echo "### A refused storm from $CPUS processes (one per CPU), $ROUNDS paired rounds of $SECS s"
	echo
	echo "| round | untraced attempts/s | traced attempts/s | on/off | records | AttemptFails | lost |"
	echo "|---:|---:|---:|---:|---:|---:|---:|"
} >"$report"
for r in $(seq "$ROUNDS"); do
	fresh_netns
	storm "--seconds $SECS"
	off=$STORM_RATE
	fresh_netns
	start_tracer "$work/storm.out" --json -P 7211
	storm "--seconds $SECS"
	on=$STORM_RATE
	sleep 0.3
	stop_tracer
	recs=$(grep -c "\"netns\":$(stat -L -c %i /run/netns/$ns)[,}]" "$work/storm.out")
	echo "| $r | $off | $on | $(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }') |" \
		"$recs | $STORM_ATTEMPTS | $(lost_of "$work/storm.out" || true) |" >>"$report"
done

# 2. Start-up with many open sockets.
fresh_netns
# Each holder keeps both ends of its connections; the hard limit on open
# files (20,000 here, and not ours to raise) caps what one process holds.
per_holder=$(( ($(ulimit -Hn) - 100) / 2 ))
holders=$(( (SOCKETS / 2 + per_holder - 1) / per_holder ))
for h in $(seq "$holders"); do
	n=$(( h < holders ? per_holder : SOCKETS / 2 - (holders - 1) * per_holder ))
	ip netns exec "$ns" python3 - "$n" "$((20000 + h))" "$work/hold.$h" <<'PY' &
import os, resource, socket, sys, time
n, port, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", port)); l.listen(4096)
conns = []
for i in range(n):
    c = socket.create_connection(("127.0.0.1", port))
    s, _ = l.accept()
    conns += (c, s)
open(ready, "w").write("%d\n" % os.getpid())
time.sleep(600)
PY
	pids+=($!)
done
for h in $(seq "$holders"); do
	for _ in $(seq 1200); do [ -s "$work/hold.$h" ] && break; sleep 0.1; done
	[ -s "$work/hold.$h" ] || die "socket holder $h of $holders did not get its sockets"
done
{
	echo
	echo "### Start-up with $SOCKETS open TCP sockets ($((SOCKETS / 2)) loopback connections held by $holders processes)"
	echo
	echo "| seeding | exec to ready | sockets seeded | peak RSS |"
	echo "|---|---:|---:|---:|"
} >>"$report"
for method in iter proc; do
	start_tracer "$work/seed-$method.out" --json --seed "$method"
	ms=$START_MS
	stop_tracer
	seeded=$(sed -n 's/.*seeded \([0-9]*\) sockets.*/\1/p' "$work/seed-$method.out.err")
	rss=$(/usr/bin/time -f %M "$RSTSNOOP" --json --seed "$method" -d 1 2>&1 >/dev/null | tail -n 1)
	echo "| $method | $ms ms | $seeded | $((rss / 1024)) MiB |" >>"$report"
done
for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
wait 2>/dev/null
pids=()

# 3. A burst at the default ring size.
fresh_netns
start_tracer "$work/burst.out" --json -P 7211
storm "--count $((BURST / CPUS))"
sleep 0.3
stop_tracer
recs=$(count_records "$work/burst.out")
lost=$(lost_of "$work/burst.out")
{
	echo
	echo "### A burst of $BURST refused connects at the default ring size (2 MiB)"
	echo
	echo "$STORM_ATTEMPTS attempts (AttemptFails) in $STORM_MS ms" \
		"from $CPUS processes: $recs records, ${lost:-0} lost" \
		"(records + lost = $((recs + ${lost:-0})))."
} >>"$report"

cat "$report"
if [ $record = 1 ]; then
	python3 - "$TOP/bench/results.md" "$report" <<'PY'
import re, sys
path, new = sys.argv[1], open(sys.argv[2]).read()
old = open(path).read()
m = re.search(r"^## Scale\n.*?(?=^## |\Z)", old, re.S | re.M)
old = old[:m.start()] + old[m.end():] if m else old
open(path, "w").write(old.rstrip("\n") + "\n\n" + new)
PY
fi
