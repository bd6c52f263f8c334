#!/bin/sh
# programs: both
# Issue 8: who refused a connect, on a client -> router -> server path
# (tests/vm/lib/topology.sh), IPv4 and IPv6.  The router forwards and
# rejects one port with a tcp reset, one with ICMP port-unreachable, one
# with ICMP admin-prohibited; one port is closed on the server itself, and
# the server's own firewall refuses another with ICMP port-unreachable
# (the ICMP error then comes from the peer's address).
# One rstsnoop --json for the whole scenario; records are matched on the
# client's netns inode and the connecting process's pid.  Oracles: tcpdump
# on the client's interface (TTL / hop limit and sender of every RST and
# ICMP error), rstgen's own pid and errno, Tcp counters of the client.
. "$SCENARIO_LIB"
. "${SCENARIO_LIB%/*}/topology.sh"
P_OPEN=7301 P_RST=7302 P_CLOSED=7303 P_ICMP=7304 P_ADMIN=7305 P_SICMP=7306
TAG=ws

T0=$(date +%s)
features_load
if ! make_topology "w$$" 2>"$T/topology.err"; then
	skip who_sent "cannot build the client/router/server topology: $(cat "$T/topology.err")"
	exit 0
fi
if ! topo_fw tcp dport $P_RST reject with tcp reset ||
	! topo_fw meta nfproto ipv4 tcp dport $P_ICMP reject with icmp type port-unreachable ||
	! topo_fw meta nfproto ipv6 tcp dport $P_ICMP reject with icmpv6 type port-unreachable ||
	! topo_fw tcp dport $P_ADMIN reject with icmpx type admin-prohibited; then
	skip who_sent "nftables reject rules could not be added on the router"
	exit 0
fi
if ! ip netns exec "$TOPO_S" nft add table inet srv ||
	! ip netns exec "$TOPO_S" nft add chain inet srv input '{ type filter hook input priority 0; policy accept; }' ||
	! ip netns exec "$TOPO_S" nft add rule inet srv input tcp dport $P_SICMP reject with icmpx type port-unreachable; then
	skip who_sent "nftables reject rule could not be added on the server"
	exit 0
fi
for fam in ipv4 ipv6; do
	topo_addrs $fam
	ip netns exec "$TOPO_S" rstgen serve --addr "$S_ADDR" --port $P_OPEN >"$T/srv.$fam" 2>&1 &
	wait_for_line "$T/srv.$fam" '^ready ' || { fail who_sent.$fam "server did not start: $(cat "$T/srv.$fam")"; exit 1; }
done
topo_capture_start wire || { fail who_sent "tcpdump on the client's interface did not start"; exit 1; }
# -P: on the host, other tests' storms must not fill the ring buffer
start_rstsnoop $TAG --json -P 7301,7302,7303,7304,7305,7306 || { fail who_sent "rstsnoop did not start"; exit 1; }

# Everything the client does, both families; checked afterwards.
gen() { # FAM WHAT PORT
	ip netns exec "$TOPO_C" rstgen connect --addr "$S_ADDR" --port "$3" --name "ws-$2" \
		>"$T/$1.$2" 2>&1
}
fails0=$(snmp AttemptFails "$TOPO_C")
for fam in ipv4 ipv6; do
	topo_addrs $fam
	gen $fam early $P_RST # the router's RST before any genuine SYN-ACK: off-link, 0 hops
	gen $fam base $P_OPEN # a) the genuine SYN-ACK: the peer's hops
	gen $fam mbox $P_RST  # b) the router's RST
	gen $fam peer $P_CLOSED # c) the server's RST
	gen $fam icmp $P_ICMP # d) the router's ICMP port-unreachable
	gen $fam admin $P_ADMIN # d) the router's ICMP admin-prohibited
	gen $fam sicmp $P_SICMP # the server's own ICMP port-unreachable: the peer
done
fails=$(($(snmp AttemptFails "$TOPO_C") - fails0))
stop_rstsnoop
expect who_sent.status "rstsnoop's exit status" $? 0
topo_capture_stop
topo_wire >"$T/wire.txt"
echo "--- the client's wire (tcpdump -nn -v on $TOPO_CIF):"
cat "$T/wire.txt"
topo_own_records $TAG
echo "--- records:"
cat "$T/$TAG.out"
expect who_sent.attempt_fails "Tcp AttemptFails of the client (12 refused connects)" "$fails" 12

# wire_line PATTERN...: the capture's lines that hold every fixed string.
wire_line() {
	_w=$(cat "$T/wire.txt")
	for _p in "$@"; do _w=$(printf '%s\n' "$_w" | grep -F -e "$_p"); done
	printf '%s\n' "$_w" | sed '/^$/d'
}

check_family() {
	fam=$1
	topo_addrs $fam
	n=who_sent.$fam
	for w in early base mbox peer icmp admin sicmp; do
		eval "pid_$w=\$(gen_value \"\$T/\$fam.\$w\" pid)"
	done

	# Before the first genuine SYN-ACK from the server's address (of this
	# family: the IPv4 baseline must not count for IPv6): no peer hops, but
	# the server is off-link (the client's route to it has a gateway) and
	# the RST crossed no router: not the server's.
	rst=$(wire_line "$S_ADDR.$P_RST > $C_ADDR." 'Flags [R' | head -n 1)
	ttl=$(wire_ttl "$rst")
	echo "oracle $fam: router's RST before the baseline ttl=$ttl"
	expect $n.no_baseline.wire "TTL of the router's first RST on the client's wire" "$ttl" 64
	rec_check $TAG $n.no_baseline.ttl "ttl analysis" \
		"netns=$TOPO_CIN pid=$pid_early raddr=$S_ADDR rport=$P_RST" \
		"event=handshake_failed cause=refused via=rst ttl=$ttl hops=0 peer_hops=null"
	rec_check $TAG $n.no_baseline.origin "off-link peers" \
		"netns=$TOPO_CIN pid=$pid_early raddr=$S_ADDR rport=$P_RST" \
		"rst_origin=middlebox origin_basis=offlink_ttl_intact offlink=true"

	# a) baseline: the connect succeeds; its SYN-ACK crossed the router
	synack=$(wire_line "$S_ADDR.$P_OPEN > $C_ADDR." 'Flags [S.]')
	synack_ttl=$(wire_ttl "$synack")
	echo "oracle $fam: genuine SYN-ACK ttl=$synack_ttl (hops $((64 - ${synack_ttl:-0})))"
	if [ "$(gen_value "$T/$fam.base" ok)" = 1 ] && [ "$synack_ttl" = 63 ]; then
		pass $n.baseline
	else
		fail $n.baseline "connect ok=$(gen_value "$T/$fam.base" ok), SYN-ACK ttl '$synack_ttl' (want 1 and 63): $(cat "$T/$fam.base")"
	fi
	expect $n.baseline.quiet "records of the genuine connection" \
		"$(count $TAG netns="$TOPO_CIN" pid="$pid_base")" 0

	# b) the router's RST: made there, not forwarded: ttl 64, hops 0 vs the peer's 1
	rst=$(wire_line "$S_ADDR.$P_RST > $C_ADDR." 'Flags [R' | tail -n +2)
	ttl=$(wire_ttl "$rst")
	echo "oracle $fam: router's RST after the baseline ttl=$ttl ($(printf '%s\n' "$rst" | sed '/^$/d' | wc -l) on the wire)"
	expect $n.router_rst.wire "TTL of the router's RST on the client's wire" "$ttl" 64
	expect $n.router_rst.client "rstgen's own outcome (refused)" "$(gen_value "$T/$fam.mbox" refused)" 1
	rec_check $TAG $n.router_rst.record "" \
		"netns=$TOPO_CIN pid=$pid_mbox raddr=$S_ADDR rport=$P_RST" \
		"event=handshake_failed side=client cause=refused comm=ws-mbox error=ECONNREFUSED"
	rec_check $TAG $n.router_rst.origin "ttl analysis" \
		"netns=$TOPO_CIN pid=$pid_mbox raddr=$S_ADDR rport=$P_RST" \
		"rst_origin=middlebox origin_basis=hops_differ peer_baseline=synack via=rst ttl=$ttl hops=0 peer_hops=$((64 - ${synack_ttl:-0}))"

	# c) the server's own RST for a closed port: forwarded once, ttl 63 = the peer's hops
	rst=$(wire_line "$S_ADDR.$P_CLOSED > $C_ADDR." 'Flags [R')
	ttl=$(wire_ttl "$rst")
	echo "oracle $fam: server's RST ttl=$ttl"
	expect $n.peer_rst.wire "TTL of the server's RST on the client's wire" "$ttl" 63
	rec_check $TAG $n.peer_rst.record "" \
		"netns=$TOPO_CIN pid=$pid_peer raddr=$S_ADDR rport=$P_CLOSED" \
		"event=handshake_failed side=client cause=refused comm=ws-peer error=ECONNREFUSED"
	rec_check $TAG $n.peer_rst.origin "ttl analysis" \
		"netns=$TOPO_CIN pid=$pid_peer raddr=$S_ADDR rport=$P_CLOSED" \
		"rst_origin=peer origin_basis=hops_match peer_baseline=synack via=rst ttl=$ttl hops=1 peer_hops=$((64 - ${synack_ttl:-0}))"

	# d) ICMP refusals by the router: its client-side address is the sender.
	# Seen here: the first ICMP error, which comes back while connect() still
	# holds the socket, is only a soft error; the connect fails on the one
	# that answers the SYN's retransmission a second later.
	for w in icmp admin sicmp; do
		eval "port=\$P_$(echo $w | tr a-z A-Z)"
		sender=$R_CADDR origin=middlebox
		[ $w = sicmp ] && sender=$S_ADDR origin=peer
		# the type and code the router's rule sends, as tcpdump names them
		case $fam.$w in
		ipv4.icmp) type=3 code=3 icmp=$(wire_line "> $C_ADDR: ICMP $S_ADDR tcp port $port unreachable") ;;
		ipv4.admin) type=3 code=13 icmp=$(wire_line "> $C_ADDR: ICMP host $S_ADDR unreachable - admin prohibited") ;;
		ipv6.icmp) type=1 code=4 icmp=$(wire_line "> $C_ADDR: " "destination unreachable, unreachable port, $S_ADDR tcp port $port") ;;
		ipv6.admin) type=1 code=1 icmp=$(wire_line "> $C_ADDR: " "destination unreachable,  unreachable prohibited $S_ADDR") ;;
		ipv4.sicmp) type=3 code=3 icmp=$(wire_line "> $C_ADDR: ICMP $S_ADDR tcp port $port unreachable") ;;
		ipv6.sicmp) type=1 code=4 icmp=$(wire_line "> $C_ADDR: " "destination unreachable, unreachable port, $S_ADDR tcp port $port") ;;
		esac
		# the last one is the one that failed the connect (see below)
		from=$(wire_src "$icmp")
		ttl=$(wire_ttl "$icmp")
		err=$(sed -n 's/.* last_error=\([A-Z0-9]*\).*/\1/p' "$T/$fam.$w")
		echo "oracle $fam: ICMP $w type $type code $code: $(printf '%s\n' "$icmp" | sed '/^$/d' | wc -l) on the wire, last from=$from ttl=$ttl; the client's errno $err"
		expect $n.$w.wire "sender of the ICMP error on the client's wire" "$from" "$sender"
		pid=$(gen_value "$T/$fam.$w" pid)
		rec_check $TAG $n.$w.record "icmp refusals" \
			"netns=$TOPO_CIN pid=$pid raddr=$S_ADDR rport=$port" \
			"event=handshake_failed side=client cause=refused error=$err via=icmp icmp_type=$type icmp_code=$code icmp_from=$from"
		rec_check $TAG $n.$w.origin "ttl analysis" \
			"netns=$TOPO_CIN pid=$pid raddr=$S_ADDR rport=$port" \
			"rst_origin=$origin ttl=$ttl"
	done
}
check_family ipv4
check_family ipv6
echo "who_sent: took $(($(date +%s) - T0)) s"
