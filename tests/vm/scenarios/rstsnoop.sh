#!/bin/sh
# rstsnoop on this kernel: the same scenarios on Debian 5.10 (no family
# field in the tcp tracepoints, no drop reasons in skb:kfree_skb), 6.1 (old
# tcp_send_reset layout, no reset reasons), 6.12 (new layout, renumbered
# reasons) and the host.  What to expect is derived from the kernel's own
# tracepoint format files, never from rstsnoop's opinion of the kernel.
# POSIX sh, no python: records are matched by their fixed JSON field order
# with grep -F.
T=$SCENARIO_TMP
RPID=""
NETNS_MADE=""
trap 'for n in $NETNS_MADE; do ip netns del "$n" 2>/dev/null; done' EXIT

# start TAG ARGS...: rstsnoop in the background until it says it traces.
start() {
	tag=$1
	shift
	rstsnoop "$@" >"$T/$tag.out" 2>"$T/$tag.err" &
	RPID=$!
	i=0
	while [ $i -lt 600 ]; do
		grep -q '^rstsnoop: tracing' "$T/$tag.err" 2>/dev/null && return 0
		kill -0 $RPID 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "rstsnoop did not start: $(cat "$T/$tag.err")"
	return 1
}
stop() {
	sleep 1 # records are handed over every 50 ms; TCG is slow
	kill -INT $RPID
	wait $RPID
}
# count FILE SUBSTRING...: lines holding every substring.
count() {
	f=$1
	shift
	cp "$f" "$T/count.a"
	for s in "$@"; do
		grep -F -- "$s" "$T/count.a" >"$T/count.b"
		mv "$T/count.b" "$T/count.a"
	done
	wc -l <"$T/count.a" | tr -d ' '
}
# On the host the tracepoints see the whole machine (a benchmark or other
# tests may use the same ports): checks of traffic in this namespace count
# only records from it. A VM is ours alone: there everything counts.
SCOPE=""
if [ "${RSTSNOOP_VM:-0}" != 1 ]; then
	ino=$(readlink /proc/self/ns/net | sed -n 's/^net:\[\([0-9]*\)\]$/\1/p')
	[ -n "$ino" ] && SCOPE="\"netns\":$ino}"
fi
# count_here FILE SUBSTRING...: count, within SCOPE.
count_here() {
	f=$1
	shift
	count "$f" "$SCOPE" "$@"
}
# expect NAME WHAT GOT WANT: one line per check.
expect() {
	if [ "$3" = "$4" ]; then echo "PASS $1"; else echo "FAIL $1: $2: got '$3', want '$4'"; fi
}
pid_of() { sed -n 's/.*pid=\([0-9]*\).*/\1/p' "$1" | tail -n 1; }
# wait_ready FILE: until a server wrote its "ready" line there (FILE must
# not exist before the server starts); fails after 10 s.
wait_ready() {
	i=0
	while ! grep -q ready "$1" 2>/dev/null; do
		[ $i -lt 100 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

rstsnoop --features >"$T/features" 2>&1
cat "$T/features"
if grep -q '^tcp_send_reset layout: 6.10+' "$T/features"; then NEW=1; else NEW=0; fi
if grep -q '^reset reasons: yes' "$T/features"; then REASONS=1; else REASONS=0; fi

# The facilities must match what this kernel's tracepoint formats say:
#   tcp_send_reset has a reason (6.10+): it sees closed-port RSTs itself;
#   else skb:kfree_skb has a drop reason (5.17+): the dropped SYN shows them;
#   else (5.10): only a local connect's own failure shows them.
EV=/sys/kernel/tracing/events
if grep -q 'enum sk_rst_reason reason' $EV/tcp/tcp_send_reset/format; then
	CLOSED=send_reset
elif grep -q 'field:.* reason;' $EV/skb/kfree_skb/format 2>/dev/null; then
	CLOSED=kfree_skb
else
	CLOSED=none
fi
case $CLOSED in
send_reset)
	expect features.layout "layout" $NEW 1
	expect features.reasons "reasons" $REASONS 1
	want_closed='tcp:tcp_send_reset' ;;
kfree_skb)
	expect features.layout "layout" $NEW 0
	expect features.reasons "reasons" $REASONS 0
	want_closed='skb:kfree_skb (drop reason NO_SOCKET)' ;;
none)
	expect features.layout "layout" $NEW 0
	expect features.reasons "reasons" $REASONS 0
	want_closed='local connects only (client side)' ;;
esac
expect features.closed_port "closed-port source" \
	"$(sed -n 's/^closed-port RSTs: //p' "$T/features")" "$want_closed"
expect features.seeding "seeding method" "$(grep -c '^seeding: bpf-iterator' "$T/features")" 1

# 1. A local connect to a closed port: one record for the connecting process.
refused() {
	fam=$1 addr=$2
	name=refused_loopback_$fam
	start "$name" --json -P 7211 || { echo "FAIL $name: rstsnoop did not start"; return; }
	rstgen connect --addr "$addr" --port 7211 --count 3 --name mx-refuse >"$T/gen" 2>&1
	stop
	pid=$(pid_of "$T/gen")
	expect "$name" "records for the connecting process" "$(count_here "$T/$name.out" \
		'"event":"handshake_failed","side":"client","cause":"refused"' \
		"\"pid\":$pid,\"comm\":\"mx-refuse\"" '"attribution":"socket_owner"' \
		"\"family\":\"$fam\"" '"rport":7211' '"state":"SYN_SENT"')" 3
	expect "$name.total" "records in all" "$(count_here "$T/$name.out" '"event"')" 3
	# the local stack's RST is folded in: tcp_send_reset (6.10+) or the
	# dropped SYN (skb:kfree_skb) before; without either nothing names it
	case $CLOSED in
	send_reset) want_reason='"reason":"NO_SOCKET"' want_origin='"rst_origin":"local_stack"' ;;
	kfree_skb) want_reason='"reason":null' want_origin='"rst_origin":"local_stack"' ;;
	none) want_reason='"reason":null' want_origin='"rst_origin":null' ;;
	esac
	expect "$name.rst_origin" "records with $want_reason and $want_origin" \
		"$(count_here "$T/$name.out" "$want_reason" "$want_origin")" 3
}
refused ipv4 127.0.0.1
refused ipv6 ::1

# 2. An established connection reset by a local server.
server_reset() {
	how=$1 port=$2
	name=server_reset_$how
	start "$name" --json -P $port || { echo "FAIL $name: rstsnoop did not start"; return; }
	# a fresh file: a "ready" left by the previous server must not count
	rm -f "$T/$name.srv"
	rstgen serve --port $port --close "$how" --count 1 --name mx-server >"$T/$name.srv" 2>&1 &
	spid=$!
	if ! wait_ready "$T/$name.srv"; then
		echo "FAIL $name: server not ready after 10 s: $(cat "$T/$name.srv")"
		kill $spid
		stop
		return
	fi
	# linger: no data, or it may reach the server after its close and draw
	# a second, socket-less RST; unread: the data is what the close drops
	bytes=0
	[ "$how" = unread ] && bytes=10
	rstgen client --port $port --count 1 --bytes $bytes --name mx-client >"$T/cli" 2>&1
	wait $spid
	stop
	cpid=$(pid_of "$T/cli")
	# family and addresses: from the event, or from the socket where the
	# event has no family field (before 5.12)
	expect "$name.sent" "reset_sent by the server" "$(count_here "$T/$name.out" '"event":"reset_sent"' \
		"\"pid\":$spid,\"comm\":\"mx-server\"" '"state":"ESTABLISHED"' \
		"\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":$port,\"raddr\":\"127.0.0.1\"")" 1
	expect "$name.received" "reset_received by the client" "$(count_here "$T/$name.out" \
		'"event":"reset_received"' "\"pid\":$cpid,\"comm\":\"mx-client\"" '"state":"ESTABLISHED"' \
		"\"raddr\":\"127.0.0.1\",\"rport\":$port," '"family":"ipv4","laddr":"127.0.0.1"')" 1
	grep -F -- "$SCOPE" "$T/$name.out" | grep -F "\"pid\":$spid," |
		sed -n 's/.*"event":"reset_sent".*"reason":\([^,]*\),.*/\1/p' >"$T/reason-$how"
}
server_reset linger 7300
server_reset unread 7301
if [ $REASONS = 1 ]; then
	# 6.12 inserted TCP_ABORT_ON_CLOSE and friends: names come from BTF
	expect reasons.unread "unread-data close" "$(cat "$T/reason-unread")" '"TCP_ABORT_ON_CLOSE"'
	expect reasons.linger "linger close" "$(cat "$T/reason-linger")" '"TCP_STATE"'
else
	expect reasons.none "reasons without kernel support" "$(cat "$T/reason-linger" "$T/reason-unread" | tr '\n' ' ')" 'null null '
fi

# Tcp OutRsts from /proc/net/snmp, found by its column name.
SNMP_OUTRSTS='$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c["OutRsts"] }'

# 3. A peer in another namespace connects to a closed port: the RST is sent
# without a socket and belongs to no local process.
ns_a=mxa$$ ns_b=mxb$$
if ip netns add $ns_a && ip netns add $ns_b; then
	NETNS_MADE="$ns_a $ns_b"
	ip link add name mxva$$ netns $ns_a type veth peer name mxvb$$ netns $ns_b
	ip -n $ns_a addr add 198.18.0.1/24 dev mxva$$
	ip -n $ns_b addr add 198.18.0.2/24 dev mxvb$$
	ip -n $ns_a link set mxva$$ up
	ip -n $ns_b link set mxvb$$ up
	ip -n $ns_a link set lo up
	ip -n $ns_b link set lo up
	rst0=$(ip netns exec $ns_a awk "$SNMP_OUTRSTS" /proc/net/snmp)
	start remote --json -P 7211 || echo "FAIL remote_closed_port: rstsnoop did not start"
	ip netns exec $ns_b rstgen connect --addr 198.18.0.1 --port 7211 --count 3 --name mx-remote >"$T/gen" 2>&1
	stop
	rst1=$(ip netns exec $ns_a awk "$SNMP_OUTRSTS" /proc/net/snmp)
	expect remote_closed_port.counter "OutRsts of the refusing namespace" $((rst1 - rst0)) 3
	if [ $CLOSED = none ]; then
		echo "SKIP remote_closed_port.sent: this kernel traces no socket-less RST" \
			"(tcp_send_reset has no reason field, skb:kfree_skb no drop reason)"
		# and nothing is made up in their place
		expect remote_closed_port.sent_none "reset_sent records for 198.18.0.0/24" \
			"$(count "$T/remote.out" '"event":"reset_sent"' '"198.18.0.')" 0
	else
		expect remote_closed_port.sent "socket-less reset_sent without a process" \
			"$(count "$T/remote.out" '"event":"reset_sent"' '"pid":null' \
				'"attribution":"none"' '"laddr":"198.18.0.1","lport":7211')" 3
	fi
	expect remote_closed_port.client "the peer's failed handshake" "$(count "$T/remote.out" \
		'"event":"handshake_failed"' '"comm":"mx-remote"' '"rst_origin":null')" 3
else
	echo "SKIP remote_closed_port: cannot create network namespaces"
fi

# 4. A kernel without BTF: one line naming it, non-zero exit.
if [ "${RSTSNOOP_VM:-0}" = 1 ]; then
	mount -t tmpfs none /sys/kernel/btf
	rstsnoop >"$T/nobtf.out" 2>"$T/nobtf.err"
	rc=$?
	umount /sys/kernel/btf
	expect no_btf.status "exit status" $rc 1
	expect no_btf.message "message" "$(grep -c 'no BTF.*Linux 5.8' "$T/nobtf.err")" 1
else
	echo "SKIP no_btf: tested on the host by tests/integration/test_cli.sh"
fi
