#!/usr/bin/env bash
# bench/run.sh - rstsnoop overhead benchmark (issue 4). `make bench` runs it.
#
# For every workload (refused, reset, accepted, bulk, bulk-veth) and every tool
# (rstsnoop --json, rstsnoop text, tcpdump, bpftrace bench/peer.bt) it runs
# paired rounds, untraced and traced, and hands the raw output to
# bench/report.py, which prints the table and writes bench/results.md.
#
# Every load run gets a fresh network namespace made here, and uses its
# loopback: other tests on the host's lo cannot leak into the counts, tcpdump
# sees only our packets, nothing leaves the machine, the namespace's TCP
# counters are the run's own, and no TIME_WAIT sockets pile up from one run
# into the next (past tcp_max_tw_buckets, late segments meet the listener and
# draw RSTs). rstsnoop and bpftrace attach globally (kernel tracepoints see
# every namespace), as users run them; tcpdump sits inside the namespace.
#
# Environment (all optional):
#   BENCH_SECONDS    length of one load run, seconds        (default 3)
#   BENCH_ROUNDS     paired rounds per workload and tool     (default 5)
#   BENCH_WORKLOADS  subset of: refused reset accepted bulk bulk-veth (default all)
#   BENCH_TOOLS      subset of: rstsnoop-json rstsnoop-text rstsnoop-summary tcpdump bpftrace
#   BENCH_RESULTS    Markdown output     (default bench/results.md)
#   BENCH_KEEP=1     keep the raw per-run files (path printed at the end)
#   BENCH_SETTLE     pause between load end and stopping the tracer (0.2;
#                    tcpdump always gets 1.1 s, its capture block timeout)
#   BENCH_SETUP=0    do not call scripts/setup.sh --bench
#   RSTSNOOP, RSTGEN binaries            (default build/rstsnoop, build/rstgen)
#   BENCH_EMPTY_DIR  where attach_empty and empty_packet.bpf.o are (default
#                    build/bench): the per-packet cost's baseline
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and printf must use '.' as decimal point

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-build}
RSTSNOOP=$(realpath -m "${RSTSNOOP:-$ROOT/$OUT/rstsnoop}")
RSTGEN=$(realpath -m "${RSTGEN:-$ROOT/$OUT/rstgen}")
RUN_SECS=${BENCH_SECONDS:-3}
ROUNDS=${BENCH_ROUNDS:-5}
EMPTY_DIR=$(realpath -m "${BENCH_EMPTY_DIR:-$ROOT/$OUT/bench}")
WORKLOADS=${BENCH_WORKLOADS:-refused reset accepted bulk bulk-veth}
TOOLS=${BENCH_TOOLS:-rstsnoop-json rstsnoop-text rstsnoop-summary tcpdump bpftrace}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results.md}
KEEP=${BENCH_KEEP:-0}
SETTLE=${BENCH_SETTLE:-0.2} # seconds between the end of the load and SIGINT
ATTACH_TIMEOUT=30 # seconds a tracer may take to attach before we give up

NS=               # namespace of the current run (netns_up/netns_down)
SLOT=0            # runs so far, for unique namespace names
WORK=
BG_PIDS=()        # every background process we started, for cleanup
STATS_ORIG=       # kernel.bpf_stats_enabled before we touched it

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Kill whatever is still running, remove the namespace, restore the sysctl.
cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [[ -n $STATS_ORIG ]]; then sysctl -qw kernel.bpf_stats_enabled="$STATS_ORIG" || true; fi
	[[ -z $NS ]] || ip netns del "$NS" 2>/dev/null || true
	if [[ -n $WORK && $KEEP != 1 ]]; then
		rm -rf "$WORK"
	elif [[ -n $WORK ]]; then
		log "raw files kept in $WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() { echo "${EPOCHREALTIME/./}"; }

# wait_line PID PATTERN FILE...: wait until a line matching PATTERN appears
# in one of FILEs. Fails if PID exits first or ATTACH_TIMEOUT passes.
wait_line() {
	local pid=$1 pattern=$2 deadline
	shift 2
	deadline=$(($(now_us) + ATTACH_TIMEOUT * 1000000))
	while ! grep -qs -- "$pattern" "$@"; do
		kill -0 "$pid" 2>/dev/null || return 1
		(($(now_us) < deadline)) || return 1
		sleep 0.005
	done
}

# wait_ready PID FILE: wait until rstsnoop's --ready-file FILE names PID.
# Fails if PID exits first or ATTACH_TIMEOUT passes.
wait_ready() {
	local pid=$1 file=$2 deadline
	deadline=$(($(now_us) + ATTACH_TIMEOUT * 1000000))
	until [[ -s $file && $(<"$file") == "$pid" ]]; do
		kill -0 "$pid" 2>/dev/null || return 1
		(($(now_us) < deadline)) || return 1
		sleep 0.005
	done
}

# start_bg: remember the last background process for cleanup.
start_bg() { BG_PIDS+=("$!"); }

# stop_proc PID SIGNAL: signal PID, wait up to 10 s, then SIGKILL; sets
# STOP_RC to its exit status. Not in $(...): only this shell can wait for it.
stop_proc() {
	local pid=$1 sig=$2 i
	kill -"$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	STOP_RC=0
	wait "$pid" 2>/dev/null || STOP_RC=$?
	forget "$pid"
}

# forget PID: it has been reaped; cleanup must never signal a recycled pid.
forget() {
	local p left=()
	for p in "${BG_PIDS[@]}"; do
		[[ $p == "$1" ]] || left+=("$p")
	done
	BG_PIDS=("${left[@]}")
}

# run_wait OUT ERR CMD...: run CMD to completion, in the background plus
# `wait`: bash defers traps while a foreground child runs, and drops a SIGINT
# altogether when that child exits normally (rstgen does, on SIGINT), so a
# Ctrl-C would not stop the benchmark. Sets RUN_RC.
run_wait() {
	local out=$1 err=$2 pid
	shift 2
	"$@" >"$out" 2>"$err" &
	pid=$!
	start_bg
	RUN_RC=0
	wait "$pid" || RUN_RC=$?
	forget "$pid"
}

# ---------------------------------------------------------------- the load

# netns_up DIR [WORKLOAD] / netns_down: a fresh namespace with lo up for
# one run; for bulk-veth also a peer namespace joined by a veth pair
# (198.18.0.1 here, 198.18.0.2 there), so the stream is not loopback
# traffic, which the packet program leaves at its first test.
netns_up() {
	NS=rstbench-$$-$((++SLOT))
	PEER_NS=
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	if [[ ${2:-} == bulk-veth ]]; then
		PEER_NS=$NS-peer
		ip netns add "$PEER_NS"
		ip -n "$PEER_NS" link set lo up
		ip link add rbv$SLOT netns "$NS" type veth peer name rbp$SLOT netns "$PEER_NS"
		ip -n "$NS" addr add 198.18.0.1/24 dev rbv$SLOT
		ip -n "$PEER_NS" addr add 198.18.0.2/24 dev rbp$SLOT
		ip -n "$NS" link set rbv$SLOT up
		ip -n "$PEER_NS" link set rbp$SLOT up
	fi
	echo "netns_ino=$(stat -L -c %i "/run/netns/$NS")" >>"$1/meta"
}
netns_down() {
	ip netns del "$NS"
	[[ -z $PEER_NS ]] || ip netns del "$PEER_NS"
	NS= PEER_NS=
}

# save_snmp FILE: the namespace's TCP counters (OutRsts, AttemptFails), the
# kernel's own count of what our load did: the oracle for the records.
save_snmp() { ip netns exec "$NS" cat /proc/net/snmp >"$1"; }

# start_server DIR CLOSE [ARGS]: rstgen serve in the namespace on an
# ephemeral port; sets SERVER_PID and SERVER_PORT.
start_server() {
	local dir=$1 close=$2
	shift 2
	ip netns exec "$NS" "$RSTGEN" serve --port 0 --close "$close" --name rg-server "$@" \
		>"$dir/server.out" 2>"$dir/server.err" &
	SERVER_PID=$!
	start_bg
	wait_line "$SERVER_PID" '^ready ' "$dir/server.out" || die "rstgen serve did not start: $(cat "$dir/server.err")"
	SERVER_PORT=$(sed -n 's/^ready pid=[0-9]* port=\([0-9]*\)$/\1/p' "$dir/server.out")
}

# run_load WORKLOAD DIR: one timed run of the workload; rstgen's final lines
# land in DIR/client.out and DIR/server.out.
#   refused   connect to a port nobody listens on
#   reset     server accepts and aborts (SO_LINGER 0), client blocks in recv
#   accepted  server accepts and closes, client reads EOF and closes
#   bulk      one connection, client writes, server reads and discards
#   bulk-veth the same between two namespaces over a veth pair
run_load() {
	local workload=$1 dir=$2 client rc
	local -a gen=(ip netns exec "$NS" "$RSTGEN")
	[[ $workload != bulk-veth ]] || gen=(ip netns exec "$PEER_NS" "$RSTGEN")
	save_snmp "$dir/snmp.before"
	case $workload in
	refused)
		# Nothing listens in our fresh namespace: every SYN is refused.
		run_wait "$dir/client.out" "$dir/client.err" \
			"${gen[@]}" connect --port 9 --seconds "$RUN_SECS" --name rg-client
		rc=$RUN_RC
		: >"$dir/server.out"
		;;
	reset | accepted | bulk | bulk-veth)
		case $workload in
		# --bytes 0: with data in flight the server's RST can cross it, and the
		# data then draws a second RST from the closed port; without, every
		# attempt is exactly one RST sent and one received.
		reset) start_server "$dir" linger; client=(client --bytes 0) ;;
		# The server closes first and the client waits for its FIN. With
		# both closing at once (connect mode), loopback TCP itself sends
		# RSTs for ~1% of connections (a late ACK meets a closed socket);
		# this order makes that ~0.01%, and the kernel counter says how many.
		accepted) start_server "$dir" normal; client=(client --bytes 0) ;;
		# --count 1: the server exits by itself after reading to EOF;
		# stopping it earlier would abort the stream with a RST.
		bulk) start_server "$dir" sink --count 1; client=(bulk) ;;
		bulk-veth)
			start_server "$dir" sink --count 1 --addr 198.18.0.1
			client=(bulk --addr 198.18.0.1) ;;
		esac
		run_wait "$dir/client.out" "$dir/client.err" \
			"${gen[@]}" "${client[@]}" --port "$SERVER_PORT" --seconds "$RUN_SECS" --name rg-client
		rc=$RUN_RC
		if [[ $workload == bulk* ]]; then
			wait_line "$SERVER_PID" '^rstgen: ' "$dir/server.out" || true
		fi
		stop_proc "$SERVER_PID" TERM
		echo "server_rc=$STOP_RC" >>"$dir/meta"
		;;
	esac
	((rc == 0)) || die "rstgen $workload failed: $(cat "$dir/client.err")"
}

# -------------------------------------------------------------- the tracers

# start_tracer TOOL DIR: start TOOL with its output in DIR, wait until it is
# attached; sets TRACER_PID and records the start-up time in DIR/meta.
start_tracer() {
	local tool=$1 dir=$2 pattern t0
	local out=$dir/tracer.out err=$dir/tracer.err
	# rstsnoop says it is attached with a ready file (never a stderr line,
	# which a reused file could hold from an earlier run)
	local ready=$dir/ready
	rm -f "$ready"
	t0=$(now_us)
	case $tool in
	rstsnoop-json)
		"$RSTSNOOP" --json --ready-file "$ready" >"$out" 2>"$err" &
		pattern= ;;
	rstsnoop-text)
		"$RSTSNOOP" --ready-file "$ready" >"$out" 2>"$err" &
		pattern= ;;
	rstsnoop-summary)
		"$RSTSNOOP" --json --summary 1 --ready-file "$ready" >"$out" 2>"$err" &
		pattern= ;;
	tcpdump)
		ip netns exec "$NS" tcpdump -i lo -n -w /dev/null 'tcp[tcpflags] & tcp-rst != 0' \
			>"$out" 2>"$err" &
		pattern='listening on' ;;
	bpftrace)
		bpftrace "$ROOT/bench/peer.bt" >"$out" 2>"$err" &
		pattern='^Attaching' ;;
	*) die "unknown tool $tool" ;;
	esac
	TRACER_PID=$!
	start_bg
	local attached=0
	if [[ -z $pattern ]]; then
		wait_ready "$TRACER_PID" "$ready" && attached=1
	else
		wait_line "$TRACER_PID" "$pattern" "$out" "$err" && attached=1
	fi
	if ((!attached)); then
		log "$tool did not attach: $(tail -n 3 "$err" | tr '\n' ' ')"
		stop_proc "$TRACER_PID" KILL
		printf 'attached=0\ntracer_rc=%s\n' "$STOP_RC" >>"$dir/meta"
		return 1
	fi
	{
		echo "attached=1"
		echo "tracer_pid=$TRACER_PID"
		echo "startup_us=$(($(now_us) - t0))"
	} >>"$dir/meta"
}

# stop_tracer DIR [stats]: sample the tracer's CPU time and peak RSS (just
# before it stops, while /proc still has them), with "stats" also the
# kernel's per-program BPF statistics; then SIGINT and wait.
stop_tracer() {
	local dir=$1 want_stats=${2:-} stat f
	stat=$(cat "/proc/$TRACER_PID/stat" 2>/dev/null) || stat=
	if [[ -n $stat ]]; then
		# utime and stime are fields 14 and 15; the comm before ')' may hold spaces.
		read -r -a f <<<"${stat##*) }"
		echo "cpu_ticks=$((f[11] + f[12]))" >>"$dir/meta"
		echo "rss_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$TRACER_PID/status")" >>"$dir/meta"
	fi
	if [[ $want_stats == stats ]]; then
		bpftool prog show -j >"$dir/bpftool.json" 2>/dev/null || true
		# The tracer's programs: the ones its fds (progs and links) refer to.
		# (bpftool's "pids" field needs a bpftool built with pid support.)
		cat "/proc/$TRACER_PID/fdinfo/"* 2>/dev/null |
			awk '$1 == "prog_id:" {print $2}' | sort -un >"$dir/prog_ids" || true
	fi
	stop_proc "$TRACER_PID" INT
	echo "tracer_rc=$STOP_RC" >>"$dir/meta"
}

# run_slot WORKLOAD TOOL ROUND PHASE: one load run; PHASE is off (untraced),
# on (traced) or stats (traced with kernel.bpf_stats_enabled=1).
run_slot() {
	local workload=$1 tool=$2 round=$3 phase=$4
	local dir=$WORK/$workload/$tool/$round/$phase
	mkdir -p "$dir"
	printf 'workload=%s\ntool=%s\nround=%s\nphase=%s\nseconds=%s\n' \
		"$workload" "$tool" "$round" "$phase" "$RUN_SECS" >"$dir/meta"
	netns_up "$dir" "$workload"
	if [[ $phase == off ]]; then
		run_load "$workload" "$dir"
		save_snmp "$dir/snmp.after"
		netns_down
		return
	fi
	if ! start_tracer "$tool" "$dir"; then
		netns_down
		return 0 # the report shows the failure
	fi
	# The per-packet cost's baseline: an empty program on the same
	# tracepoint, over the same packets (stats runs of a bulk stream).
	local empty_pid=
	if [[ $phase == stats && $workload == bulk* && -x $EMPTY_DIR/attach_empty ]]; then
		"$EMPTY_DIR/attach_empty" "$EMPTY_DIR/empty_packet.bpf.o" >"$dir/empty.out" 2>&1 &
		empty_pid=$!
		start_bg
		wait_line "$empty_pid" '^attached' "$dir/empty.out" || empty_pid=
	fi
	run_load "$workload" "$dir"
	if [[ -n $empty_pid ]]; then
		stop_proc "$empty_pid" INT
	fi
	# Let the tracer read what is still queued for it. tcpdump hands a
	# partly filled capture block over only after its 1 s block timeout.
	if [[ $tool == tcpdump ]]; then
		sleep 1.1
	else
		sleep "$SETTLE"
	fi
	save_snmp "$dir/snmp.after"
	stop_tracer "$dir" "$([[ $phase == stats ]] && echo stats)"
	netns_down
}

# ------------------------------------------------------------------- main

check_setup() {
	[[ $(id -u) == 0 ]] || die "needs root (BPF, network namespaces)"
	if [[ ${BENCH_SETUP:-1} == 1 ]]; then
		"$ROOT/scripts/setup.sh" --bench >&2
	fi
	[[ -x $RSTGEN ]] || die "$RSTGEN missing: run 'make $OUT/rstgen' (or make bench)"
	local tools=() t
	for t in $TOOLS; do
		if [[ $t == rstsnoop-* && ! -x $RSTSNOOP ]]; then
			log "$RSTSNOOP missing: skipping $t"
			continue
		fi
		tools+=("$t")
	done
	TOOLS=${tools[*]}
	[[ -n $TOOLS ]] || die "no tool left to measure"
}

main() {
	check_setup
	WORK=$(mktemp -d /tmp/rstbench.XXXXXX)
	{
		echo "seconds=$RUN_SECS"
		echo "rounds=$ROUNDS"
		echo "rstsnoop=$RSTSNOOP"
		echo "tools=$TOOLS"
		echo "workloads=$WORKLOADS"
	} >"$WORK/bench.env"

	local slots
	slots=$(($(wc -w <<<"$WORKLOADS") * $(wc -w <<<"$TOOLS") * ROUNDS * 2))
	log "$slots paired runs of ${RUN_SECS}s (+ BPF statistics runs); results in $WORK"

	local workload tool round
	for workload in $WORKLOADS; do
		for ((round = 1; round <= ROUNDS; round++)); do
			for tool in $TOOLS; do
				log "$workload round $round/$ROUNDS: $tool"
				# ABBA order, so a drift in machine speed does not favour one side.
				if ((round % 2)); then
					run_slot "$workload" "$tool" "$round" off
					run_slot "$workload" "$tool" "$round" on
				else
					run_slot "$workload" "$tool" "$round" on
					run_slot "$workload" "$tool" "$round" off
				fi
			done
		done
	done

	# BPF run-time statistics cost time on every program run, so they are on
	# only for one extra traced run per workload, never in the paired rounds.
	STATS_ORIG=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	for workload in $WORKLOADS; do
		for tool in $TOOLS; do
			[[ $tool == rstsnoop-json || $tool == bpftrace ]] || continue
			log "$workload: $tool with BPF statistics"
			run_slot "$workload" "$tool" 0 stats
		done
	done
	sysctl -qw kernel.bpf_stats_enabled="$STATS_ORIG"

	python3 "$ROOT/bench/report.py" "$WORK" "$RESULTS"
	log "written $RESULTS"
}

main "$@"
