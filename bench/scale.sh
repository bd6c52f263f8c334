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
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

attempt_fails() {
	ip netns exec "$ns" awk '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["AttemptFails"] }' /proc/net/snmp
}
fresh_netns() {
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" && ip -n "$ns" link set lo up || die "cannot make a network namespace"
}
# start_tracer OUT ARGS...: rstsnoop in the background until its ready file
# names it; prints the ms from exec to ready.  Sets TRACER.
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
	echo $((($(date +%s%N) - t0) / 1000000))
}
stop_tracer() { kill -INT "$TRACER"; wait "$TRACER"; }
# storm: one rstgen per CPU for SECS (or COUNT attempts each); prints attempts/s
storm() {
	local limit=$1 t0 t1 af0 af1
	af0=$(attempt_fails)
	t0=$(date +%s%N)
	for i in $(seq "$CPUS"); do
		ip netns exec "$ns" "$RSTGEN" connect --port 7211 $limit --name scale-$i \
			>"$work/gen.$i" 2>&1 &
	done
	wait $(jobs -p | grep -v "^$TRACER$" || true) 2>/dev/null
	t1=$(date +%s%N)
	af1=$(attempt_fails)
	STORM_ATTEMPTS=$((af1 - af0))
	echo $((STORM_ATTEMPTS * 1000000000 / (t1 - t0)))
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
	off=$(storm "--seconds $SECS")
	fresh_netns
	start_tracer "$work/storm.out" --json -P 7211 >/dev/null
	on=$(storm "--seconds $SECS")
	sleep 0.3
	stop_tracer
	recs=$(grep -c "\"netns\":$(stat -L -c %i /run/netns/$ns)[,}]" "$work/storm.out")
	echo "| $r | $off | $on | $(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }') |" \
		"$recs | $STORM_ATTEMPTS | $(lost_of "$work/storm.out" || true) |" >>"$report"
done

# 2. Start-up with many open sockets.
fresh_netns
ulimit -n $((SOCKETS + 1000))
ip netns exec "$ns" python3 - "$((SOCKETS / 2))" "$work/hold.ready" <<'PY' &
import os, socket, sys, time
n, ready = int(sys.argv[1]), sys.argv[2]
conns, listeners = [], []
for port in range(20000, 20000 + (n + 19999) // 20000):
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", port)); l.listen(4096); listeners.append(l)
for i in range(n):
    l = listeners[i // 20000]
    c = socket.create_connection(l.getsockname())
    s, _ = l.accept()
    conns += (c, s)
open(ready, "w").write("%d\n" % os.getpid())
time.sleep(600)
PY
holder=$!
pids+=("$holder")
for _ in $(seq 1200); do [ -s "$work/hold.ready" ] && break; sleep 0.1; done
[ -s "$work/hold.ready" ] || die "the socket holder did not get its $SOCKETS sockets"
{
	echo
	echo "### Start-up with $SOCKETS open TCP sockets ($((SOCKETS / 2)) loopback connections)"
	echo
	echo "| seeding | exec to ready | sockets seeded | peak RSS |"
	echo "|---|---:|---:|---:|"
} >>"$report"
for method in iter proc; do
	ms=$(start_tracer "$work/seed-$method.out" --json --seed "$method")
	stop_tracer
	seeded=$(sed -n 's/.*seeded \([0-9]*\) sockets.*/\1/p' "$work/seed-$method.out.err")
	rss=$(/usr/bin/time -f %M "$RSTSNOOP" --json --seed "$method" -d 1 2>&1 >/dev/null | tail -n 1)
	echo "| $method | $ms ms | $seeded | $((rss / 1024)) MiB |" >>"$report"
done
kill -KILL "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# 3. A burst at the default ring size.
fresh_netns
start_tracer "$work/burst.out" --json -P 7211 >/dev/null
t0=$(date +%s%N)
storm "--count $((BURST / CPUS))" >/dev/null
t1=$(date +%s%N)
sleep 0.3
stop_tracer
recs=$(count_records "$work/burst.out")
lost=$(lost_of "$work/burst.out")
{
	echo
	echo "### A burst of $BURST refused connects at the default ring size (2 MiB)"
	echo
	echo "$STORM_ATTEMPTS attempts (AttemptFails) in $(((t1 - t0) / 1000000)) ms" \
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
