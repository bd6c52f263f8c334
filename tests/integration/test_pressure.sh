#!/bin/bash
# Bounded under pressure: 100,000 half-open connects into a namespace that
# drops SYNs and 100,000 idle established connections, all while rstsnoop
# traces.  Its socket table must stay within its bound (an LRU: the oldest
# entries go), rstsnoop must keep running, and a process that starts
# afterwards must still be named in its records.  The oracles: bpftool's
# view of the map, the kernel's socket counts (ss), the test's own PIDs.
# PRESSURE_CONNECTIONS (default 100000) sets both numbers.
. "$(dirname "$0")/../lib.sh"

N=${PRESSURE_CONNECTIONS:-100000}
PER_PROCESS=18000 # below this host's RLIMIT_NOFILE of 20000, which root cannot raise here
PORTS=7301,7302,7303,7304,7305,7306,7307,7308

# hold NS ADDR COUNT TAG: COUNT connections from NS, PER_PROCESS per python
hold() {
	local ns=$1 addr=$2 left=$3 tag=$4 i=0 n
	while [ "$left" -gt 0 ]; do
		n=$((left < PER_PROCESS ? left : PER_PROCESS))
		mkfifo "$WORK/$tag.$i.in"
		ip netns exec "$ns" python3 "$TOP/tests/integration/hold_connections.py" "$addr" "$PORTS" \
			"$n" <"$WORK/$tag.$i.in" >"$WORK/$tag.$i.out" 2>&1 &
		BG_PIDS+=($!)
		exec {fd}>"$WORK/$tag.$i.in" # held open: closing it lets the holder go
		HOLD_FDS+=("$fd")
		wait_for_line "$WORK/$tag.$i.out" '^ready' || sleep 20
		grep -q '^ready' "$WORK/$tag.$i.out" || { echo "holder $tag.$i: $(head -c 200 "$WORK/$tag.$i.out")"; return 1; }
		left=$((left - n))
		i=$((i + 1))
	done
}

# The owner table (socks): "max" its slots (sets times ways), "entries" the
# live ones (a key, not closed).  Counting the array's entries would give
# its size whatever it holds.
socks_map_entries() {
	local id
	for id in $(grep -hoE '^map_id:[[:space:]]*[0-9]+' /proc/"$RSTSNOOP_PID"/fdinfo/* | awk '{print $2}'); do
		if bpftool map show id "$id" | grep -q ' name socks '; then
			bpftool -j map dump id "$id" | python3 -c 'import json, sys
sets = json.load(sys.stdin)
ways = [w for e in sets for w in e["formatted"]["value"]["way"]]
print("max", len(ways))
print("entries", sum(1 for w in ways if w["key"] and not w["info"]["closed"]))'
		fi
	done
}

begin "bounded_under_pressure"
HOLD_FDS=()
cli=$(make_netns pcli) && srv=$(make_netns psrv) && link_netns "$cli" "$srv" || abort "cannot build namespaces"
ip netns exec "$cli" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
# half-open connects must outlive the test, not time out into records
ip netns exec "$cli" sysctl -qw net.ipv4.tcp_syn_retries=127
ip netns exec "$cli" sysctl -qw net.ipv4.tcp_syn_linear_timeouts=0 2>/dev/null
ip netns exec "$srv" sysctl -qw net.core.somaxconn=65535
# The half-open target: 198.18.0.2 drops every SYN; the established one is
# a second address on the same side with listeners that never accept.
ip -n "$srv" addr add 198.18.0.3/24 dev "vb$$"
ip netns exec "$srv" nft -f - <<NFT || abort "nft failed"
table inet pressure {
	chain input {
		type filter hook input priority 0;
		ip daddr 198.18.0.2 tcp flags syn drop
	}
}
NFT
for p in ${PORTS//,/ }; do
	ip netns exec "$srv" python3 -c "import signal, socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('198.18.0.3', $p)); s.listen(65535); print('ready', flush=True); signal.pause()" \
		</dev/null >"$WORK/listen.$p" 2>&1 &
	BG_PIDS+=($!)
done
start_rstsnoop press --json || abort "rstsnoop did not start"
rst_rss0=$(awk '/^VmRSS/ {print $2}' /proc/"$RSTSNOOP_PID"/status)
hold "$cli" 198.18.0.2 "$N" half || abort "half-open holders failed"
hold "$cli" 198.18.0.3 "$N" est || abort "established holders failed"
# A connect whose SYN met a full SYN queue completes on its retransmit
# (1 s, 3 s, 7 s later): wait for the kernel's own count, not a fixed time.
for _ in $(seq 30); do
	synsent=$(ip netns exec "$cli" ss -Htn state syn-sent | wc -l)
	estab=$(ip netns exec "$cli" ss -Htn state established | wc -l)
	[ "$estab" -ge "$N" ] && [ "$synsent" -ge "$N" ] && break
	sleep 1
done
want_true "kernel holds $N half-open (ss: $synsent)" test "$synsent" -ge "$N"
want_true "kernel holds $N established (ss: $estab)" test "$estab" -ge "$N"
want_true "rstsnoop still running" kill -0 "$RSTSNOOP_PID"
socks_map_entries >"$WORK/map"
max=$(sed -n 's/^max //p' "$WORK/map") entries=$(sed -n 's/^entries //p' "$WORK/map")
want_true "socket table found ($(tr '\n' ' ' <"$WORK/map"))" test -n "$max" -a -n "$entries"
want_true "socket table within its bound ($entries of $max)" test "${entries:-1}" -le "${max:-0}"
want_true "socket table full: the test reached the bound ($entries of $max)" \
	test "${entries:-0}" -ge $((${max:-1} * 9 / 10))
# A process that starts now must still be named.
ip netns exec "$cli" "$RSTGEN" connect --addr 198.18.0.3 --port 7399 --count 20 --name rt-after \
	>"$WORK/gen" 2>&1
pid=$(gen_value "$WORK/gen" pid)
rst_rss=$(awk '/^VmRSS/ {print $2}' /proc/"$RSTSNOOP_PID"/status)
stop_rstsnoop
want "exit status" $? 0
# more live sockets than slots: the evictions are counted and said at exit
want_true "owner-table evictions reported ($(grep -v '^rstsnoop: tracing' "$WORK/press.err" | head -c 200))" \
	grep -q '^rstsnoop: [0-9]* sockets lost their owner entry to another socket' "$WORK/press.err"
want "new process named after the pressure" "$($QUERY "$WORK/press.out" count pid="$pid" \
	comm=rt-after cause=refused)" 20
want_true "rstsnoop RSS grew less than 8 MiB (${rst_rss0} -> ${rst_rss} KiB)" \
	test $((rst_rss - rst_rss0)) -lt 8192
for fd in "${HOLD_FDS[@]}"; do exec {fd}>&-; done
# let go of 200,000 sockets now, quietly (bash reports killed jobs)
kill -TERM "${BG_PIDS[@]}" 2>/dev/null
{ wait "${BG_PIDS[@]}"; } 2>/dev/null
BG_PIDS=()
finish
