#!/bin/sh
# programs: both
# "Ping works, ssh gets reset": no TCP connection to the server has ever
# succeeded, so there is no SYN-ACK to judge a RST against; the engineer's
# baseline is the TTL of the ping replies.  Client -> firewall -> router ->
# server (tests/vm/lib/topology.sh, `make_topology TAG 2`): the server is
# two hops away, the firewall (the client's first hop) rejects port 22 with
# a tcp reset, and the server has no listener on another port.  IPv4 and
# IPv6, in this order:
#   fw0   the firewall's RST before any ping: no baseline, but the server is
#         off-link (the client's route to it has a gateway) and the RST
#         crossed no router: middlebox, offlink_ttl_intact;
#   srv0  the server's own RST before any ping: 2 hops, no baseline: unknown;
#   ping  one echo request from the client (busybox ping): its reply's TTL;
#   fw1   the firewall's RST: 0 hops against the echo reply's 2: middlebox;
#   srv1  the server's RST: 2 hops against 2: peer.
# A second rstsnoop run with --no-ttl sees the same connects: no TTL, no
# baseline, no verdict from the wire; the route is still read.  A third,
# with --probe in the client's namespace, makes the baseline itself: one
# echo request per address.
# Oracles: ping's own "ttl=" and tcpdump's TTL of each RST on the client's
# interface; rstgen's pid.
. "$SCENARIO_LIB"
. "${SCENARIO_LIB%/*}/topology.sh"
P_SSH=22 P_CLOSED=7321
TAG=pb

features_load
if ! make_topology "p$$" 2 2>"$T/topology.err"; then
	skip ping_baseline "cannot build the client/firewall/router/server topology: $(cat "$T/topology.err")"
	exit 0
fi
if ! topo_fw tcp dport $P_SSH reject with tcp reset; then
	skip ping_baseline "nftables reject rule could not be added on the firewall"
	exit 0
fi
topo_capture_start wire || { fail ping_baseline "tcpdump on the client's interface did not start"; exit 1; }
start_rstsnoop $TAG --json -P $P_SSH,$P_CLOSED || { fail ping_baseline "rstsnoop did not start"; exit 1; }

gen() { # FAM WHAT PORT
	ip netns exec "$TOPO_C" rstgen connect --addr "$S_ADDR" --port "$3" --name "pb-$2" \
		>"$T/$1.$2" 2>&1
}
for fam in ipv4 ipv6; do
	topo_addrs $fam
	gen $fam fw0 $P_SSH
	gen $fam srv0 $P_CLOSED
	# shellcheck disable=SC2046 # -6 or nothing
	ip netns exec "$TOPO_C" busybox ping $([ $fam = ipv6 ] && echo -6) -c 1 -W 2 "$S_ADDR" \
		>"$T/$fam.ping" 2>&1
	gen $fam fw1 $P_SSH
	gen $fam srv1 $P_CLOSED
done
stop_rstsnoop
expect ping_baseline.status "rstsnoop's exit status" $? 0

# The same connects with --no-ttl (the ping's baseline would be learnt by
# the packet program, which is off).
start_rstsnoop nottl --json --no-ttl -P $P_SSH,$P_CLOSED || { fail ping_baseline "rstsnoop --no-ttl did not start"; exit 1; }
for fam in ipv4 ipv6; do
	topo_addrs $fam
	ip netns exec "$TOPO_C" busybox ping $([ $fam = ipv6 ] && echo -6) -c 1 -W 2 "$S_ADDR" >/dev/null 2>&1
	gen $fam nt-fw $P_SSH
	gen $fam nt-srv $P_CLOSED
done
stop_rstsnoop
expect ping_baseline.nottl.status "rstsnoop --no-ttl's exit status" $? 0

# --probe, with rstsnoop in the client's own namespace (it probes only
# from there): the firewall's RST has no baseline, so one echo request
# goes to the server; its reply is the baseline of every later RST.  Three
# refused connects to the firewalled port, one to the closed one: one
# probe per address.  A second server address whose echo requests the
# firewall drops: three connects, still one probe (once per address, even
# unanswered), and no baseline.
ip -n "$TOPO_S" addr add 198.18.3.3/24 dev "$TOPO_SIF" &&
	ip -n "$TOPO_S" addr add 2001:db8:3::3/64 dev "$TOPO_SIF" nodad &&
	topo_fw ip daddr 198.18.3.3 icmp type echo-request drop &&
	topo_fw ip6 daddr 2001:db8:3::3 icmpv6 type echo-request drop ||
	{ fail ping_baseline "the unanswered server address could not be set up"; exit 1; }
RSTSNOOP_BIN=$(command -v rstsnoop)
rstsnoop() { exec ip netns exec "$TOPO_C" "$RSTSNOOP_BIN" "$@"; }
start_rstsnoop probe --json --probe -P $P_SSH,$P_CLOSED || { fail ping_baseline "rstsnoop --probe did not start"; exit 1; }
PROBE_PID=$RSTSNOOP_PID
unset -f rstsnoop
for fam in ipv4 ipv6; do
	topo_addrs $fam
	for i in 1 2 3; do
		gen $fam pr-fw$i $P_SSH
		sleep 0.3 # the record, the probe and its reply
	done
	gen $fam pr-srv $P_CLOSED
	S_ADDR=198.18.3.3
	[ $fam = ipv6 ] && S_ADDR=2001:db8:3::3
	for i in 1 2 3; do
		gen $fam pr-mute$i $P_SSH
		sleep 0.3
	done
done
stop_rstsnoop
expect ping_baseline.probe.status "rstsnoop --probe's exit status" $? 0
topo_capture_stop
topo_wire >"$T/wire.txt"
topo_own_records $TAG
topo_own_records nottl
topo_own_records probe
echo "--- records:"
cat "$T/$TAG.out" "$T/nottl.out" "$T/probe.out"
echo "--- rstsnoop --probe said: $(cat "$T/probe.err")"

wire_line() {
	_w=$(cat "$T/wire.txt")
	for _p in "$@"; do _w=$(printf '%s\n' "$_w" | grep -F -e "$_p"); done
	printf '%s\n' "$_w" | sed '/^$/d'
}

for fam in ipv4 ipv6; do
	topo_addrs $fam
	n=ping_baseline.$fam
	ping_ttl=$(sed -n 's/.* ttl=\([0-9]*\).*/\1/p' "$T/$fam.ping" | head -n 1)
	fw_ttl=$(wire_ttl "$(wire_line "$S_ADDR.$P_SSH > $C_ADDR." 'Flags [R' | head -n 1)")
	srv_ttl=$(wire_ttl "$(wire_line "$S_ADDR.$P_CLOSED > $C_ADDR." 'Flags [R' | head -n 1)")
	echo "oracle $fam: ping reply ttl=$ping_ttl, firewall's RST ttl=$fw_ttl, server's RST ttl=$srv_ttl"
	expect $n.ping "the ping reply's TTL (two routers)" "$ping_ttl" 62
	expect $n.fw.wire "TTL of the firewall's RST on the client's wire" "$fw_ttl" 64
	expect $n.srv.wire "TTL of the server's RST on the client's wire" "$srv_ttl" 62
	for w in fw0 srv0 fw1 srv1; do
		eval "pid_$w=\$(gen_value \"\$T/\$fam.\$w\" pid)"
	done
	base="netns=$TOPO_CIN event=handshake_failed cause=refused raddr=$S_ADDR"
	rec_check $TAG $n.fw0.ttl "ttl analysis" "$base pid=$pid_fw0 rport=$P_SSH" \
		"ttl=$fw_ttl hops=0 peer_hops=null peer_baseline=null"
	rec_check $TAG $n.fw0 "off-link peers" "$base pid=$pid_fw0 rport=$P_SSH" \
		"rst_origin=middlebox origin_basis=offlink_ttl_intact offlink=true"
	rec_check $TAG $n.srv0 "off-link peers" "$base pid=$pid_srv0 rport=$P_CLOSED" \
		"rst_origin=unknown origin_basis=no_baseline offlink=true ttl=$srv_ttl hops=2 peer_hops=null"
	rec_check $TAG $n.fw1 "ttl analysis" "$base pid=$pid_fw1 rport=$P_SSH" \
		"rst_origin=middlebox origin_basis=hops_differ ttl=$fw_ttl hops=0 peer_hops=$((64 - ${ping_ttl:-0})) peer_baseline=echo_reply"
	rec_check $TAG $n.srv1 "ttl analysis" "$base pid=$pid_srv1 rport=$P_CLOSED" \
		"rst_origin=peer origin_basis=hops_match ttl=$srv_ttl hops=2 peer_hops=$((64 - ${ping_ttl:-0})) peer_baseline=echo_reply"
	# the baseline's age: younger than the scenario
	age=$(jsonq "$T/$TAG.out" values peer_baseline_age_ms $base pid="$pid_srv1" | head -n 1)
	in_window $n.baseline_age "peer_baseline_age_ms of the echo reply" "$age" 0 60000
	for w in nt-fw nt-srv; do
		pid=$(gen_value "$T/$fam.$w" pid)
		rec_check nottl $n.nottl.$w "" "$base pid=$pid" \
			"rst_origin=unknown origin_basis=no_baseline ttl=null hops=null peer_hops=null peer_baseline=null"
		# the route needs no packet
		rec_check nottl $n.nottl.$w.offlink "off-link peers" "$base pid=$pid" "offlink=true"
	done
	# --probe: one echo request of rstsnoop's (its identifier) per address
	probes=$(grep -F "$C_ADDR > $S_ADDR" "$T/wire.txt" | grep -cE "echo request, id $((PROBE_PID & 65535)), seq [0-9]+")
	echo "oracle $fam: rstsnoop's echo requests to $S_ADDR on the wire: $probes"
	expect $n.probe.wire "rstsnoop's echo requests to the server on the client's wire" "$probes" 1
	pbase="netns=$TOPO_CIN event=handshake_failed cause=refused raddr=$S_ADDR"
	pid=$(gen_value "$T/$fam.pr-fw1" pid)
	rec_check probe $n.probe.first "off-link peers" "$pbase pid=$pid" \
		"rst_origin=middlebox origin_basis=offlink_ttl_intact peer_hops=null"
	for w in pr-fw2 pr-fw3; do
		pid=$(gen_value "$T/$fam.$w" pid)
		rec_check probe $n.probe.$w "ttl analysis" "$pbase pid=$pid" \
			"rst_origin=middlebox origin_basis=hops_differ hops=0 peer_hops=2 peer_baseline=echo_reply"
	done
	pid=$(gen_value "$T/$fam.pr-srv" pid)
	rec_check probe $n.probe.server "ttl analysis" "$pbase pid=$pid" \
		"rst_origin=peer origin_basis=hops_match hops=2 peer_hops=2 peer_baseline=echo_reply"
	mute=198.18.3.3
	[ $fam = ipv6 ] && mute=2001:db8:3::3
	probes=$(grep -F "$C_ADDR > $mute" "$T/wire.txt" | grep -cE "echo request, id $((PROBE_PID & 65535)), seq [0-9]+")
	echo "oracle $fam: rstsnoop's echo requests to $mute (unanswered) on the wire: $probes"
	expect $n.probe.once "rstsnoop's echo requests to an address that never answers" "$probes" 1
	for i in 1 2 3; do
		pid=$(gen_value "$T/$fam.pr-mute$i" pid)
		rec_check probe $n.probe.mute$i "off-link peers" \
			"netns=$TOPO_CIN event=handshake_failed cause=refused raddr=$mute pid=$pid" \
			"rst_origin=middlebox origin_basis=offlink_ttl_intact peer_hops=null"
	done
done
if grep -q '^rstsnoop: --probe sent 4 echo requests (0 more' "$T/probe.err"; then
	pass ping_baseline.probe.count
else
	fail ping_baseline.probe.count "rstsnoop --probe said: $(grep -- '--probe' "$T/probe.err")"
fi
