#!/usr/bin/env bash
# bench/bpf_ab.sh N CMD_A CMD_B: the kernel's BPF run time per program of two
# rstsnoop builds (or two modes: CMD is a command line, split on spaces),
# attached AT ONCE to the same refused-connect storm of N attempts (rstgen,
# in a fresh network namespace), so both see the same events and the same
# neighbours' noise.  Prints "A|B program runs/connect ns/run".
#
# Run it twice with A and B swapped and take the mean: the instance attached
# second measured about 110 ns a set_state run less than the first on this
# machine (the socket's and task's cache lines are warm when it runs).
# Statistics are held on with BPF_ENABLE_STATS (a file descriptor of our
# own) for the run, whatever kernel.bpf_stats_enabled is set to meanwhile.
set -euo pipefail
(($# == 3)) || { echo "usage: bench/bpf_ab.sh N 'CMD_A ARGS' 'CMD_B ARGS'" >&2; exit 2; }
N=$1 A=$2 B=$3
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RSTGEN=${RSTGEN:-$ROOT/build/rstgen}
WORK=$(mktemp -d)
NS=bpfab$$
pids=() holder=
cleanup() {
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	# a background job ignores SIGINT unless it catches it: TERM for python
	[[ -z $holder ]] || kill "$holder" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
# BPF_ENABLE_STATS (32), BPF_STATS_RUN_TIME (0): on while the fd lives
python3 -c 'import ctypes, signal
fd = ctypes.CDLL(None, use_errno=True).syscall(321, 32, ctypes.byref(ctypes.c_uint32(0)), 4)
assert fd >= 0, "BPF_ENABLE_STATS refused"
signal.pause()' &
holder=$!
start() { # TAG CMD: starts CMD with a ready file, waits for it
	# shellcheck disable=SC2086 # CMD is a command line
	$2 --ready-file "$WORK/ready.$1" >/dev/null 2>"$WORK/err.$1" &
	pids+=($!)
	eval "pid_$1=$!"
	for _ in $(seq 1200); do [[ -s $WORK/ready.$1 ]] && return; sleep 0.05; done
	echo "bpf_ab: $2 did not start: $(head -c 300 "$WORK/err.$1")" >&2
	exit 1
}
start A "$A"
start B "$B"
snap() { # one line per program: TAG name run_cnt run_time_ns
	local tag pid id
	for tag in A B; do
		eval "pid=\$pid_$tag"
		for id in $(grep -h prog_id "/proc/$pid/fdinfo/"* 2>/dev/null | awk '{print $2}' | sort -u); do
			bpftool prog show id "$id" -j | python3 -c 'import json, sys
p = json.load(sys.stdin)
print(sys.argv[1], p.get("name", "?"), p.get("run_cnt", 0), p.get("run_time_ns", 0))' "$tag"
		done
	done | sort
}
snap >"$WORK/before"
ip netns exec "$NS" "$RSTGEN" connect --addr 127.0.0.1 --port 7219 --count "$N" >"$WORK/gen"
snap >"$WORK/after"
paste -d' ' "$WORK/before" "$WORK/after" | awk -v n="$N" '
	{ runs = $7 - $3; ns = $8 - $4
	  if (runs > 0) printf "%s %-26s runs/connect %5.2f ns/run %5.0f\n", $1, $2, runs / n, ns / runs }'
