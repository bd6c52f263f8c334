#!/bin/sh
# programs: both
# Issue 8: how an established connection ends on a client -> router ->
# server path (tests/vm/lib/topology.sh), IPv4 and IPv6:
#  peer   the control: client sent N bytes, server M; idle 1 s; then the
#         server itself aborts (SO_LINGER 0): reset_received, peer;
#  idle   client sent N bytes, server M; idle S s; then the router rejects
#         the flow with a tcp reset and the client writes: reset_received,
#         middlebox, idle time and bytes of what the test did;
#  race   the server writes every 200 ms; the router forges a RST to the
#         client (client->server direction only, RSTs let through): the
#         server's late segments draw socket-less RSTs from the client:
#         one reset_race record with the connection's cookie and count;
#  blind  the race again, but the router also drops the client's RSTs: the
#         server keeps sending, the client answers each late segment:
#         still one reset_race record for the connection;
#  dead   the router drops the flow both ways, tcp_retries2=2 in the client:
#         one timed_out record for the client's pid, ETIMEDOUT, idle time;
#  kalive the same for an idle connection with keepalive (3 s, 1 s, 2
#         probes) that never writes: the keepalive timeout.
# One rstsnoop --json; records matched on the client's netns inode, lport
# and the client's pid.  Oracles: tcpdump on the client's interface, the
# client's own clocks and errno (rstgen session), TcpExt counters.
. "$SCENARIO_LIB"
. "${SCENARIO_LIB%/*}/topology.sh"
P_IDLE=7311 P_RACE=7312 P_DEAD=7313 P_PEER=7314 P_BLIND=7315 P_KALIVE=7316
N=1234 M=4321 # bytes the client sends, bytes the server sends back
IDLE=2.5      # seconds the idle connection waits before the router's rule
# The kernel keeps its times in jiffies (4 ms at Debian's HZ=250, 10 ms at
# HZ=100) and either end of an interval may round by a tick: the product's
# milliseconds may leave the window of the client's own clocks by that much.
TOL=20
# A timeout is seen by the client only after the kernel's timer fired and
# the client got the CPU again: under TCG, that can take a while.
WAKE=200
# Under TCG, jiffies drift against CLOCK_MONOTONIC (seen on 5.10: the
# kernel's own tcp_info said 10180 ms where the client's clock said at most
# 9857): where the product's times meet the client's clocks, 5% more.
DRIFT=5
TAG=ce

T0=$(date +%s)
features_load
if ! make_topology "e$$" 2>"$T/topology.err"; then
	skip conn_end "cannot build the client/router/server topology: $(cat "$T/topology.err")"
	exit 0
fi
ip netns exec "$TOPO_C" sh -c 'echo 2 >/proc/sys/net/ipv4/tcp_retries2' ||
	{ skip conn_end "cannot set tcp_retries2 in the client's namespace"; exit 0; }
for fam in ipv4 ipv6; do
	topo_addrs $fam
	ip netns exec "$TOPO_S" rstgen serve --addr "$S_ADDR" --port $P_IDLE --recv $N --send $M \
		--close sink --name ce-srv-idle >"$T/srv.idle.$fam" 2>&1 &
	ip netns exec "$TOPO_S" rstgen serve --addr "$S_ADDR" --port $P_RACE --recv $N --send $M \
		--close drip --drip-ms 200 --name ce-srv-race >"$T/srv.race.$fam" 2>&1 &
	ip netns exec "$TOPO_S" rstgen serve --addr "$S_ADDR" --port $P_DEAD --recv $N --send $M \
		--close sink --name ce-srv-dead >"$T/srv.dead.$fam" 2>&1 &
	ip netns exec "$TOPO_S" rstgen serve --addr "$S_ADDR" --port $P_PEER --recv $N --send $M \
		--hold --close linger --name ce-srv-peer >"$T/srv.peer.$fam" 2>&1 &
	ip netns exec "$TOPO_S" rstgen serve --addr "$S_ADDR" --port $P_BLIND --recv $N --send $M \
		--close drip --drip-ms 200 --name ce-srv-blind >"$T/srv.blind.$fam" 2>&1 &
	ip netns exec "$TOPO_S" rstgen serve --addr "$S_ADDR" --port $P_KALIVE --recv $N --send $M \
		--close sink --name ce-srv-kalive >"$T/srv.kalive.$fam" 2>&1 &
	for w in idle race dead peer blind kalive; do
		wait_for_line "$T/srv.$w.$fam" '^ready ' ||
			{ fail conn_end "server $w $fam did not start: $(cat "$T/srv.$w.$fam")"; exit 1; }
	done
done
topo_capture_start wire || { fail conn_end "tcpdump on the client's interface did not start"; exit 1; }
# -P: on the host, other tests' storms must not fill the ring buffer
start_rstsnoop $TAG --json -P 7311,7312,7313,7314,7315,7316 || { fail conn_end "rstsnoop did not start"; exit 1; }

# session FAM WHAT PORT [ARGS]: a client session in the background, until
# ready; sets LPORT and CPID.
session() {
	_f=$1 _w=$2 _p=$3
	shift 3
	ip netns exec "$TOPO_C" rstgen session --addr "$S_ADDR" --port "$_p" --bytes $N --recv $M \
		--seconds 30 --name "ce-$_w" "$@" >"$T/$_f.$_w" 2>&1 &
	set -- "$_f" "$_w"
	if ! wait_for_line "$T/$1.$2" '^ready '; then
		echo "session $1 $2 did not get ready: $(cat "$T/$1.$2")"
		LPORT=0 CPID=0
		return 1
	fi
	LPORT=$(sed -n 's/^ready .*lport=\([0-9]*\).*/\1/p' "$T/$1.$2")
	CPID=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$T/$1.$2")
}
flow() { # the client->server direction of this session's flow, for nft
	echo "$IPFAM saddr $C_ADDR $IPFAM daddr $S_ADDR tcp sport $LPORT tcp dport $1"
}

# All eight connections (four cases, two families) run at the same time,
# each on its own ports and nftables rules, so that the scenario waits
# once (about 2.5 s + the timeout), not eight times: the kernel matrix runs
# every scenario of a kernel in one VM under a time limit.  Each check reads
# its own connection's lport on the wire and in the records.
timeouts0=$(tcpext TCPAbortOnTimeout "$TOPO_C")
for fam in ipv4 ipv6; do
	topo_addrs $fam
	for w in peer idle race dead blind kalive; do
		eval "port=\$P_$(echo $w | tr a-z A-Z)"
		ka=""
		[ $w = kalive ] && ka="--keepalive 3,1,2"
		# shellcheck disable=SC2086
		session $fam $w "$port" $ka && eval "lport_${w}_$fam=$LPORT pid_${w}_$fam=$CPID"
	done
done
# on_flow FAM WHAT: topo_addrs FAM, LPORT and CPID of that session; false
# when it never got ready
on_flow() {
	topo_addrs $1
	eval "LPORT=\${lport_$2_$1:-} CPID=\${pid_$2_$1:-}"
	[ -n "$LPORT" ]
}
sleep 0.5
for fam in ipv4 ipv6; do # race: the server keeps talking after the router's RST
	on_flow $fam race || continue
	# shellcheck disable=SC2046
	topo_fw $(flow $P_RACE) tcp flags '&' rst == 0 reject with tcp reset
	kill -USR1 $CPID 2>/dev/null # its ACK of the drip may have drawn the RST already
	# blind: the same, and the client's RSTs never reach the server
	on_flow $fam blind || continue
	# shellcheck disable=SC2046
	topo_fw $(flow $P_BLIND) reject with tcp reset
	kill -USR1 $CPID 2>/dev/null
done
sleep 0.5
for fam in ipv4 ipv6; do
	# the control: the server itself resets the connection after ~1 s
	on_flow $fam peer && kill -USR1 "$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$T/srv.peer.$fam")"
	# dead: blackholed both ways, the client's write times out
	on_flow $fam dead || continue
	# shellcheck disable=SC2046
	topo_fw $(flow $P_DEAD) drop
	topo_fw $IPFAM saddr "$S_ADDR" $IPFAM daddr "$C_ADDR" tcp sport $P_DEAD tcp dport "$LPORT" drop
	kill -USR1 $CPID
	# kalive: blackholed too, the client stays silent but for its keepalives
	on_flow $fam kalive || continue
	# shellcheck disable=SC2046
	topo_fw $(flow $P_KALIVE) drop
	topo_fw $IPFAM saddr "$S_ADDR" $IPFAM daddr "$C_ADDR" tcp sport $P_KALIVE tcp dport "$LPORT" drop
done
sleep $(echo "$IDLE" | awk '{ print $1 - 1 }')
for fam in ipv4 ipv6; do # idle, then the router forgets the connection and rejects it
	on_flow $fam idle || continue
	# shellcheck disable=SC2046
	topo_fw $(flow $P_IDLE) reject with tcp reset
	kill -USR1 $CPID
done
for fam in ipv4 ipv6; do
	for w in peer idle race dead blind kalive; do
		on_flow $fam $w && wait_for_line "$T/$fam.$w" '^rstgen: end=' 40
	done
	on_flow $fam race && wait_for_line "$T/srv.race.$fam" '^ended ' 10
done
timeouts=$(($(tcpext TCPAbortOnTimeout "$TOPO_C") - timeouts0))
stop_rstsnoop
expect conn_end.status "rstsnoop's exit status" $? 0
topo_capture_stop
topo_wire >"$T/wire.txt"
echo "--- the client's wire (tcpdump -nn -v on $TOPO_CIF), RSTs and ICMP:"
grep -e 'Flags \[R' -e ICMP "$T/wire.txt"
topo_own_records $TAG
echo "--- records:"
cat "$T/$TAG.out"
for f in "$T"/ipv*.* "$T"/srv.*; do echo "--- ${f##*/}: $(tr '\n' ' ' <"$f")"; done
expect conn_end.abort_on_timeout "TcpExt TCPAbortOnTimeout of the client (two dead connections per family)" \
	"$timeouts" 4

wire_line() { # PATTERN...: the capture's lines that hold every fixed string
	_w=$(cat "$T/wire.txt")
	for _p in "$@"; do _w=$(printf '%s\n' "$_w" | grep -F -e "$_p"); done
	printf '%s\n' "$_w" | sed '/^$/d'
}
lines() { printf '%s\n' "$1" | sed '/^$/d' | wc -l; }
end_of() { sed -n 's/^rstgen: end=\([A-Z0-9]*\).*/\1/p' "$1"; }
rec_value() { # FIELD KEY=VALUE...: FIELD of the first record matching
	_f=$1
	shift
	jsonq "$T/$TAG.out" values "$_f" "$@" | head -n 1
}
# the peer's hops: the genuine SYN-ACKs from the server cross the router
peer_hops() {
	_s=$(wire_line "$S_ADDR.$1 > $C_ADDR.$2:" 'Flags [S.]')
	_t=$(wire_ttl "$_s")
	echo $((64 - ${_t:-64}))
}

# tcp_info_check NAME OUT: the kernel's own tcp_info of the client's socket
# (read by the client once it ended) counts what the test sent and got:
# bytes_acked N + 1 (Linux counts the SYN's sequence number), bytes_received
# M.  The product's bytes_* are compared with these tcp_info values.
tcp_info_check() {
	expect $1.tcp_info "the client's tcp_info bytes_acked/bytes_received (oracle: N+1 for the SYN / M)" \
		"$(gen_value "$2" info_bytes_acked)/$(gen_value "$2" info_bytes_received)" "$((N + 1))/$M"
}

# idle_checks NAME OUT IDLE LO HI: the product's idle_rx_ms IDLE against
#  - the kernel's own tcp_info of the socket (last data / last ACK
#    received, read by the client when it saw the end, in jiffies as the
#    product's): within the client's wake-up delay before that, +-TOL;
#  - the client's clocks: the last segment received LO..HI ms before the
#    end, +-TOL and DRIFT%.
idle_checks() {
	_d=$(gen_value "$2" info_last_data_recv_ms) _a=$(gen_value "$2" info_last_ack_recv_ms)
	_min=$_d _max=$_a
	[ "$_a" -lt "$_d" ] && _min=$_a _max=$_d
	echo "oracle: $1: tcp_info last data/ack received $_d/$_a ms before the client saw the end; the client's clocks $4..$5 ms; rstsnoop: idle_rx_ms=$3"
	in_window $1.idle_rx "idle_rx_ms (the kernel's tcp_info: -$WAKE ms for the client's wake-up, +-$TOL ms)" \
		"$3" $((_min - WAKE - TOL)) $((_max + TOL))
	in_window $1.idle_clock "idle_rx_ms (the client's clocks, +-$TOL ms and $DRIFT% of jiffies)" \
		"$3" $(($4 * (100 - DRIFT) / 100 - TOL)) $(($5 * (100 + DRIFT) / 100 + TOL))
}

check_family() {
	fam=$1
	topo_addrs $fam
	n=conn_end.$fam

	# peer -------------------------------------------------------------
	eval "lport=\$lport_peer_$fam pid=\$pid_peer_$fam"
	if [ -z "$lport" ]; then
		fail $n.peer "the client's session did not get ready: $(cat "$T/$fam.peer")"
	else
		out=$T/$fam.peer
		rst=$(wire_line "$S_ADDR.$P_PEER > $C_ADDR.$lport:" 'Flags [R')
		ttl=$(wire_ttl "$rst") ph=$(peer_hops $P_PEER "$lport")
		hi=$(gen_value "$out" idle_hi_ms) rx=$(gen_value "$out" rx_to_end_ms)
		echo "oracle $fam peer: lport $lport, the server's RST ttl=$ttl ($(lines "$rst") on the wire), peer hops $ph; client: $(tail -n 1 "$out")"
		expect $n.peer.client "how the client's connection ended (its errno)" "$(end_of "$out")" ECONNRESET
		expect $n.peer.wire "TTL of the server's RST on the client's wire" "$ttl" 63
		tcp_info_check $n.peer "$out"
		base="netns=$TOPO_CIN lport=$lport rport=$P_PEER event=reset_received"
		rec_check $TAG $n.peer.record "" "$base" "pid=$pid comm=ce-peer raddr=$S_ADDR"
		rec_check $TAG $n.peer.origin "ttl analysis" "$base" \
			"rst_origin=peer via=rst ttl=$ttl hops=1 peer_hops=$ph"
		rec_check $TAG $n.peer.bytes "connection context" "$base" \
			"bytes_acked=$(gen_value "$out" info_bytes_acked) bytes_received=$(gen_value "$out" info_bytes_received)"
		if feature_ok $n.peer.idle_rx "connection context"; then
			# shellcheck disable=SC2086
			idle=$(rec_value idle_rx_ms $base)
			idle_checks $n.peer "$out" "$idle" $((rx - WAKE)) "$hi"
		fi
		spid=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$T/srv.peer.$fam")
		rec_check $TAG $n.peer.server_sent "" \
			"netns=$TOPO_SIN lport=$P_PEER rport=$lport event=reset_sent" \
			"pid=$spid comm=ce-srv-peer rst_origin=local_socket"
	fi

	# idle -------------------------------------------------------------
	eval "lport=\$lport_idle_$fam pid=\$pid_idle_$fam"
	if [ -z "$lport" ]; then
		fail $n.idle "the client's session did not get ready: $(cat "$T/$fam.idle")"
	else
		out=$T/$fam.idle
		rst=$(wire_line "$S_ADDR.$P_IDLE > $C_ADDR.$lport:" 'Flags [R')
		ttl=$(wire_ttl "$rst") ph=$(peer_hops $P_IDLE "$lport")
		lo=$(gen_value "$out" idle_lo_ms) hi=$(gen_value "$out" idle_hi_ms)
		echo "oracle $fam idle: lport $lport, router's RST ttl=$ttl ($(lines "$rst") on the wire), peer hops $ph; client: $(tail -n 1 "$out")"
		expect $n.idle.client "how the client's connection ended (its errno)" "$(end_of "$out")" ECONNRESET
		expect $n.idle.wire "TTL of the router's RST on the client's wire" "$ttl" 64
		expect_le $n.idle.waited "the test's idle time (ms) at most the client's last data to write" \
			"$(echo "$IDLE" | awk '{ print $1 * 1000 }')" "$lo"
		expect $n.idle.bytes "bytes the client sent / got before the idle time" \
			"$(gen_value "$out" sent)/$(gen_value "$out" received)" "$N/$M"
		base="netns=$TOPO_CIN lport=$lport rport=$P_IDLE event=reset_received"
		rec_check $TAG $n.idle.record "" "$base" "pid=$pid comm=ce-idle raddr=$S_ADDR"
		rec_check $TAG $n.idle.origin "ttl analysis" "$base" \
			"rst_origin=middlebox via=rst ttl=$ttl hops=0 peer_hops=$ph"
		tcp_info_check $n.idle "$out"
		rec_check $TAG $n.idle.bytes "connection context" "$base" \
			"bytes_acked=$(gen_value "$out" info_bytes_acked) bytes_received=$(gen_value "$out" info_bytes_received)"
		if feature_ok $n.idle.idle_rx "connection context"; then
			# shellcheck disable=SC2086
			idle=$(rec_value idle_rx_ms $base)
			idle_checks $n.idle "$out" "$idle" "$lo" "$hi"
		fi
		if feature_ok $n.idle.age "connection context"; then
			# shellcheck disable=SC2086
			age=$(rec_value age_ms $base)
			echo "oracle $fam idle: rstsnoop: age_ms=$age"
			in_window $n.idle.age "age_ms (client's clocks: >= last data to write, <= connect() to reset; +-$TOL ms and $DRIFT%)" \
				"$age" $((lo * (100 - DRIFT) / 100 - TOL)) $((hi * (100 + DRIFT) / 100 + TOL))
		fi
	fi

	# race -------------------------------------------------------------
	eval "lport=\$lport_race_$fam pid=\$pid_race_$fam"
	if [ -z "$lport" ]; then
		fail $n.race "the client's session did not get ready: $(cat "$T/$fam.race")"
	else
		out=$T/$fam.race
		forged=$(wire_line "$S_ADDR.$P_RACE > $C_ADDR.$lport:" 'Flags [R')
		late=$(wire_line "$C_ADDR.$lport > $S_ADDR.$P_RACE:" 'Flags [R')
		ttl=$(wire_ttl "$forged") ph=$(peer_hops $P_RACE "$lport")
		nlate=$(lines "$late")
		echo "oracle $fam race: lport $lport, forged RST ttl=$ttl ($(lines "$forged") on the wire), the client's socket-less RSTs to the server's late segments: $nlate; server: $(grep '^ended' "$T/srv.race.$fam" | tr '\n' ' ')"
		expect $n.race.client "how the client's connection ended (its errno)" "$(end_of "$out")" ECONNRESET
		expect $n.race.wire "TTL of the router's forged RST" "$ttl" 64
		if [ "$nlate" -ge 1 ]; then pass $n.race.late_wire
		else fail $n.race.late_wire "no RST from the client to the server's late segments on the wire"; fi
		expect $n.race.server "the server's end (the client's RST reached it)" \
			"$(sed -n 's/^ended .*error=\([A-Z0-9]*\).*/\1/p' "$T/srv.race.$fam" | head -n 1)" ECONNRESET
		base="netns=$TOPO_CIN lport=$lport rport=$P_RACE event=reset_received"
		rec_check $TAG $n.race.record "" "$base" "pid=$pid comm=ce-race"
		rec_check $TAG $n.race.origin "ttl analysis" "$base" \
			"rst_origin=middlebox ttl=$ttl hops=0 peer_hops=$ph"
		# shellcheck disable=SC2086
		cookie=$(rec_value sock_cookie $base)
		rec_check $TAG $n.race.evidence "race evidence" \
			"netns=$TOPO_CIN lport=$lport rport=$P_RACE event=reset_race" \
			"sock_cookie=$cookie pid=$pid count=$nlate"
		spid=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$T/srv.race.$fam")
		rec_check $TAG $n.race.server_record "" \
			"netns=$TOPO_SIN lport=$P_RACE rport=$lport event=reset_received" "pid=$spid comm=ce-srv-race"
	fi

	# blind ------------------------------------------------------------
	eval "lport=\$lport_blind_$fam pid=\$pid_blind_$fam"
	if [ -z "$lport" ]; then
		fail $n.blind "the client's session did not get ready: $(cat "$T/$fam.blind")"
	else
		late=$(wire_line "$C_ADDR.$lport > $S_ADDR.$P_BLIND:" 'Flags [R')
		nlate=$(lines "$late")
		echo "oracle $fam blind: lport $lport, the client's socket-less RSTs to the server's late segments (dropped by the router): $nlate"
		expect $n.blind.client "how the client's connection ended (its errno)" "$(end_of "$T/$fam.blind")" ECONNRESET
		if [ "$nlate" -ge 2 ]; then pass $n.blind.late_wire
		else fail $n.blind.late_wire "want at least 2 late segments answered on the wire, got $nlate"; fi
		base="netns=$TOPO_CIN lport=$lport rport=$P_BLIND event=reset_received"
		# shellcheck disable=SC2086
		cookie=$(rec_value sock_cookie $base)
		# README: one reset_race per connection, at the first late RST; count 1
		rec_check $TAG $n.blind.evidence "race evidence" \
			"netns=$TOPO_CIN lport=$lport rport=$P_BLIND event=reset_race" \
			"sock_cookie=$cookie pid=$pid count=1"
	fi

	# dead -------------------------------------------------------------
	eval "lport=\$lport_dead_$fam pid=\$pid_dead_$fam"
	if [ -z "$lport" ]; then
		fail $n.dead "the client's session did not get ready: $(cat "$T/$fam.dead")"
	else
		out=$T/$fam.dead
		lo=$(gen_value "$out" idle_lo_ms) hi=$(gen_value "$out" idle_hi_ms)
		tries=$(wire_line "$C_ADDR.$lport > $S_ADDR.$P_DEAD:" 'Flags [P.]' | grep -c 'length 1$')
		rsts=$(lines "$(wire_line "$C_ADDR.$lport > " 'Flags [R')$(wire_line "> $C_ADDR.$lport:" 'Flags [R')")
		echo "oracle $fam dead: lport $lport, the write sent $tries times, RSTs of the flow on the wire: $rsts; client: $(tail -n 1 "$out")"
		expect $n.dead.client "how the client's connection ended (its errno)" "$(end_of "$out")" ETIMEDOUT
		expect $n.dead.no_rst "RSTs of the flow on the client's wire" "$rsts" 0
		base="netns=$TOPO_CIN lport=$lport rport=$P_DEAD"
		if feature_ok $n.dead.record "timeouts"; then
			expect $n.dead.one "timed_out records of the client's pid" \
				"$(count $TAG netns="$TOPO_CIN" event=timed_out pid="$pid")" 1
			# shellcheck disable=SC2086
			expect $n.dead.only "records of the dead connection" "$(count $TAG $base)" 1
			rec_check $TAG $n.dead.record "" "$base event=timed_out" \
				"pid=$pid comm=ce-dead error=ETIMEDOUT raddr=$S_ADDR"
		fi
		tcp_info_check $n.dead "$out"
		rec_check $TAG $n.dead.bytes "connection context" "$base event=timed_out" \
			"bytes_acked=$(gen_value "$out" info_bytes_acked) bytes_received=$(gen_value "$out" info_bytes_received)"
		if feature_ok $n.dead.idle_rx "connection context"; then
			# shellcheck disable=SC2086
			idle=$(rec_value idle_rx_ms $base event=timed_out)
			rx=$(gen_value "$out" rx_to_end_ms)
			idle_checks $n.dead "$out" "$idle" $((rx - WAKE)) "$hi"
		fi
	fi

	# kalive -----------------------------------------------------------
	eval "lport=\$lport_kalive_$fam pid=\$pid_kalive_$fam"
	if [ -z "$lport" ]; then
		fail $n.kalive "the client's session did not get ready: $(cat "$T/$fam.kalive")"
	else
		out=$T/$fam.kalive
		hi=$(gen_value "$out" idle_hi_ms) rx=$(gen_value "$out" rx_to_end_ms)
		probes=$(wire_line "$C_ADDR.$lport > $S_ADDR.$P_KALIVE:" 'Flags [.]' | grep -c 'length 0$')
		base="netns=$TOPO_CIN lport=$lport rport=$P_KALIVE"
		rsts=$(lines "$(wire_line "$C_ADDR.$lport > " 'Flags [R')")/$(lines "$(wire_line "> $C_ADDR.$lport:" 'Flags [R')")
		echo "oracle $fam kalive: lport $lport, the client's pure ACKs/probes on the wire: $probes, RSTs of the flow from/to the client: $rsts; client: $(tail -n 1 "$out")"
		expect $n.kalive.client "how the client's connection ended (its errno)" "$(end_of "$out")" ETIMEDOUT
		# Linux gives up a keepalive with a RST of its own (tcp_keepalive_timer)
		expect $n.kalive.wire_rst "RSTs of the flow from/to the client on its wire" "$rsts" 1/0
		rec_check $TAG $n.kalive.sent "" "$base event=reset_sent" "pid=$pid comm=ce-kalive"
		if feature_ok $n.kalive.record "timeouts"; then
			expect $n.kalive.one "timed_out records of the client's pid" \
				"$(count $TAG netns="$TOPO_CIN" event=timed_out pid="$pid")" 1
			rec_check $TAG $n.kalive.record "" "$base event=timed_out" \
				"pid=$pid comm=ce-kalive error=ETIMEDOUT raddr=$S_ADDR"
		fi
		tcp_info_check $n.kalive "$out"
		rec_check $TAG $n.kalive.bytes "connection context" "$base event=timed_out" \
			"bytes_acked=$(gen_value "$out" info_bytes_acked) bytes_received=$(gen_value "$out" info_bytes_received)"
		if feature_ok $n.kalive.idle_rx "connection context"; then
			# shellcheck disable=SC2086
			idle=$(rec_value idle_rx_ms $base event=timed_out)
			# A probe the server answered before the drop (3 s idle: the
			# sessions start slowly under TCG) is a segment received that
			# the client cannot see: its clocks bound this only from above.
			idle_checks $n.kalive "$out" "$idle" 0 "$hi"
		fi
	fi
}
check_family ipv4
check_family ipv6
echo "conn_end: took $(($(date +%s) - T0)) s"
