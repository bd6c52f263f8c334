#!/bin/sh
# programs: both
# A peer in another namespace connects to a closed port: the RST is sent
# without a socket and belongs to no local process.  tcpdump on the
# refusing side is the oracle for what went on the wire, Tcp OutRsts for
# what the stack sent.
. "$SCENARIO_LIB"
ATTEMPTS=3

remote_refused() {
	fam=$1 addr=$2 peer=$3 name=remote_closed_port_$1
	a=mxa$$$fam b=mxb$$$fam
	if ! make_netns $a >/dev/null || ! make_netns $b >/dev/null ||
		! ip link add name mxva$$ netns $a type veth peer name mxvb$$ netns $b; then
		skip "$name" "cannot create network namespaces and a veth pair"
		return
	fi
	ip -n $a addr add 198.18.0.1/24 dev mxva$$
	ip -n $b addr add 198.18.0.2/24 dev mxvb$$
	ip -n $a addr add 2001:db8::1/64 dev mxva$$ nodad
	ip -n $b addr add 2001:db8::2/64 dev mxvb$$ nodad
	ip -n $a link set mxva$$ up
	ip -n $b link set mxvb$$ up
	ain=$(netns_ino $a) bin=$(netns_ino $b)
	# -Z root (also for -r): the VM has no tcpdump user to drop privileges to;
	# --immediate-mode: a SIGINT must not drop packets still in a capture block
	ip netns exec $a tcpdump -Z root --immediate-mode -i mxva$$ -U -w "$T/$name.pcap" \
		'tcp[tcpflags] & tcp-rst != 0 or ip6' >/dev/null 2>"$T/$name.tcpdump" &
	dpid=$!
	if ! wait_for_line "$T/$name.tcpdump" 'listening on'; then
		fail "$name" "tcpdump did not start: $(cat "$T/$name.tcpdump")"
		kill $dpid
		return
	fi
	start_rstsnoop "$name" --json || { fail "$name" "rstsnoop did not start"; kill $dpid; return; }
	rst0=$(snmp OutRsts $a)
	ip netns exec $b rstgen connect --addr "$addr" --port 7211 --count $ATTEMPTS \
		--name mx-remote >"$T/$name.gen" 2>&1
	rst=$(($(snmp OutRsts $a) - rst0))
	stop_rstsnoop
	expect "$name.status" "exit status" $? 0
	kill -INT $dpid
	wait $dpid
	wire=$(tcpdump -Z root -r "$T/$name.pcap" -nn \
		'tcp[tcpflags] & tcp-rst != 0 or (ip6 and ip6[53] & 4 != 0)' 2>/dev/null |
		grep -c "$addr\.7211 >")
	expect "$name.wire" "RSTs on the wire (tcpdump)" "$wire" $ATTEMPTS
	expect "$name.out_rsts" "Tcp OutRsts delta of the refusing netns" $rst $ATTEMPTS
	expect "$name.client" "the peer's failed handshake" "$(count "$name" netns="$bin" \
		event=handshake_failed side=client cause=refused comm=mx-remote \
		pid="$(gen_value "$T/$name.gen" pid)" raddr="$addr" rport=7211 rst_origin=unknown origin_basis=no_baseline ttl=64 hops=0 peer_hops=null)" $ATTEMPTS
	if [ $CLOSED = none ]; then
		# nothing is made up in their place
		expect "$name.sent_none" "records in the refusing netns" \
			"$(count "$name" netns="$ain")" 0
		skip "$name.sent" "this kernel traces no socket-less RST (tcp_send_reset has no reason field, skb:kfree_skb no drop reason)"
	else
		expect "$name.sent" "socket-less reset_sent, one per RST on the wire" \
			"$(count "$name" netns="$ain" event=reset_sent pid=null attribution=none \
				laddr="$addr" lport=7211 raddr="$peer" state=null)" "$wire"
		expect "$name.total" "records in the refusing netns" \
			"$(count "$name" netns="$ain")" "$wire"
	fi
}
remote_refused ipv4 198.18.0.1 198.18.0.2
remote_refused ipv6 2001:db8::1 2001:db8::2
