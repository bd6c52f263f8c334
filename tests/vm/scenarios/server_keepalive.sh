#!/bin/sh
# programs: both
# The server's side of a firewall idle timeout: a server with keepalives
# (2 s idle, 1 s interval) sits behind a firewall that forgot an idle
# connection; its next probe is answered by the firewall with a RST in the
# client's name.  Client -> router (the firewall) -> server
# (tests/vm/lib/topology.sh), IPv4 and IPv6, two connections each:
#   old  opened before rstsnoop started: rstsnoop never saw the client's
#        SYN, so its baseline is a sampled later segment of the client's
#        (its answer to a keepalive probe);
#   new  opened while rstsnoop runs: the client's SYN is the baseline.
# For each, once the client's answers to the probes were seen, the router
# rejects the server's segments of that flow with a tcp reset.  The server's
# record: reset_received, the server's pid, middlebox against the baseline
# (the client's packets cross the router, the forged RST does not), and an
# idle time of at least the keepalive idle.  A second rstsnoop with
# --no-ttl runs beside: no TTL, no baseline, no verdict from the wire.
# Oracles: tcpdump on the server's interface (the TTL of the client's SYN
# and of the forged RST), the server's and the client's pids and ports.
. "$SCENARIO_LIB"
. "${SCENARIO_LIB%/*}/topology.sh"
P_KA=7331 KA_IDLE=2 TOL=20
TAG=sk

features_load
if ! make_topology "k$$" 2>"$T/topology.err"; then
	skip server_keepalive "cannot build the client/router/server topology: $(cat "$T/topology.err")"
	exit 0
fi
ip netns exec "$TOPO_S" tcpdump -Z root --immediate-mode -U -i "$TOPO_SIF" -s 200 \
	-w "$T/srv.pcap" tcp >/dev/null 2>"$T/srv.tcpdump" &
DPID=$!
wait_for_line "$T/srv.tcpdump" 'listening on' || { fail server_keepalive "tcpdump did not start"; exit 1; }
for fam in ipv4 ipv6; do
	topo_addrs $fam
	ip netns exec "$TOPO_S" rstgen serve --addr "$S_ADDR" --port $P_KA --recv 10 --close sink \
		--keepalive $KA_IDLE,1,3 --seconds 120 --name sk-srv >"$T/srv.$fam" 2>&1 &
	wait_for_line "$T/srv.$fam" '^ready ' || { fail server_keepalive "server did not start: $(cat "$T/srv.$fam")"; exit 1; }
done

# session FAM WHAT: a client connection that sends 10 bytes and stays idle
session() {
	ip netns exec "$TOPO_C" rstgen session --addr "$S_ADDR" --port $P_KA --bytes 10 \
		--seconds 120 --name "sk-$2" >"$T/$1.$2" 2>&1 &
	eval "cpid_$1_$2=\$!"
	wait_for_line "$T/$1.$2" '^ready ' || { fail server_keepalive "client $1 $2 did not connect: $(cat "$T/$1.$2")"; return 1; }
	eval "lport_$1_$2=\$(gen_value \"\$T/\$1.\$2\" lport)"
}
# forget FAM WHAT: the router rejects the server's segments of that flow
forget() {
	eval "_lp=\$lport_$1_$2"
	topo_fw $IPFAM saddr "$S_ADDR" $IPFAM daddr "$C_ADDR" tcp sport $P_KA tcp dport "$_lp" \
		reject with tcp reset
}

for fam in ipv4 ipv6; do topo_addrs $fam; session $fam old || exit 1; done
start_rstsnoop $TAG --json -P $P_KA || { fail server_keepalive "rstsnoop did not start"; exit 1; }
NREADY=$T/nottl.ready
rstsnoop --ready-file "$NREADY" ${RSTSNOOP_PROGRAMS:+--programs "$RSTSNOOP_PROGRAMS"} --json --no-ttl \
	-P $P_KA >"$T/nottl.out" 2>"$T/nottl.err" &
NPID=$!
kill_at_exit $NPID
wait_for_line "$NREADY" . 60 || { fail server_keepalive "rstsnoop --no-ttl did not start: $(cat "$T/nottl.err")"; exit 1; }
# two keepalive rounds answered by the client, then the firewall forgets
sleep $((2 * KA_IDLE + 1))
for fam in ipv4 ipv6; do topo_addrs $fam; forget $fam old; done
# the old connections' next probe meets the firewall before the new
# connections' SYN gives the same client address a handshake baseline
sleep $((KA_IDLE + 2))
for fam in ipv4 ipv6; do topo_addrs $fam; session $fam new || exit 1; done
sleep $((2 * KA_IDLE + 1))
for fam in ipv4 ipv6; do topo_addrs $fam; forget $fam new; done
sleep $((2 * KA_IDLE + 1))
stop_rstsnoop
expect server_keepalive.status "rstsnoop's exit status" $? 0
kill -INT $NPID
wait $NPID
expect server_keepalive.nottl.status "rstsnoop --no-ttl's exit status" $? 0
kill -INT $DPID
wait $DPID 2>/dev/null
tcpdump -Z root -nn -v -r "$T/srv.pcap" 2>/dev/null | awk '
	/^[ \t]/ { line = line " " $0; next }
	{ if (line != "") print line; line = $0 }
	END { if (line != "") print line }' >"$T/wire.txt"
topo_own_records $TAG
topo_own_records nottl
echo "--- records:"
cat "$T/$TAG.out" "$T/nottl.out"

for fam in ipv4 ipv6; do
	topo_addrs $fam
	spid=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$T/srv.$fam")
	for w in old new; do
		n=server_keepalive.$fam.$w
		eval "lport=\$lport_${fam}_$w"
		syn=$(grep -F "$C_ADDR.$lport > $S_ADDR.$P_KA: Flags [S]" "$T/wire.txt")
		rst=$(grep -F "$C_ADDR.$lport > $S_ADDR.$P_KA: Flags [R" "$T/wire.txt")
		syn_ttl=$(wire_ttl "$syn") rst_ttl=$(wire_ttl "$rst")
		echo "oracle $fam $w: client lport $lport, its SYN ttl=$syn_ttl, the forged RST ttl=$rst_ttl ($(printf '%s\n' "$rst" | sed '/^$/d' | wc -l) on the wire)"
		expect $n.wire "TTLs of the client's SYN / the forged RST on the server's wire" "$syn_ttl/$rst_ttl" 63/64
		want_baseline=syn
		[ $w = old ] && want_baseline=segment
		base="netns=$TOPO_SIN event=reset_received lport=$P_KA rport=$lport"
		rec_check $TAG $n.record "" "$base" "pid=$spid comm=sk-srv raddr=$C_ADDR side=null"
		rec_check $TAG $n.origin "ttl analysis" "$base" \
			"rst_origin=middlebox origin_basis=hops_differ ttl=$rst_ttl hops=0 peer_hops=1 peer_baseline=$want_baseline"
		rec_check $TAG $n.offlink "off-link peers" "$base" "offlink=true"
		if feature_ok $n.idle "connection context"; then
			idle=$(jsonq "$T/$TAG.out" values idle_rx_ms $base | head -n 1)
			in_window $n.idle "idle_rx_ms (at least the keepalive idle)" "$idle" \
				$((KA_IDLE * 1000 - TOL)) 60000
		fi
		rec_check nottl $n.nottl "" "$base" \
			"pid=$spid rst_origin=unknown origin_basis=no_baseline ttl=null hops=null peer_hops=null peer_baseline=null"
	done
done
