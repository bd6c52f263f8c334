#!/bin/sh
# rstsnoop on this kernel: the same scenarios on Debian 6.1 (old
# tcp_send_reset layout, no reasons), 6.12 (new layout, renumbered reasons)
# and the host.  POSIX sh, no python: records are matched by their fixed
# JSON field order with grep -F.
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
# expect NAME WHAT GOT WANT: one line per check.
expect() {
	if [ "$3" = "$4" ]; then echo "PASS $1"; else echo "FAIL $1: $2: got '$3', want '$4'"; fi
}
pid_of() { sed -n 's/.*pid=\([0-9]*\).*/\1/p' "$1" | tail -n 1; }
wait_ready() {
	i=0
	while [ $i -lt 100 ] && ! grep -q ready "$1"; do sleep 0.1; i=$((i + 1)); done
}

rstsnoop --features >"$T/features" 2>&1
cat "$T/features"
if grep -q '^tcp_send_reset layout: 6.10+' "$T/features"; then NEW=1; else NEW=0; fi
if grep -q '^reset reasons: yes' "$T/features"; then REASONS=1; else REASONS=0; fi

# The facilities must match what this kernel's tracepoint format says.
if grep -q 'enum sk_rst_reason reason' /sys/kernel/tracing/events/tcp/tcp_send_reset/format; then
	expect features.layout "layout" $NEW 1
	expect features.reasons "reasons" $REASONS 1
	expect features.closed_port "closed-port source" \
		"$(grep -c '^closed-port RSTs: tcp:tcp_send_reset' "$T/features")" 1
else
	expect features.layout "layout" $NEW 0
	expect features.reasons "reasons" $REASONS 0
	expect features.closed_port "closed-port source" \
		"$(grep -c '^closed-port RSTs: skb:kfree_skb' "$T/features")" 1
fi
expect features.seeding "seeding method" "$(grep -c '^seeding: bpf-iterator' "$T/features")" 1

# 1. A local connect to a closed port: one record for the connecting process.
refused() {
	fam=$1 addr=$2
	name=refused_loopback_$fam
	start "$name" --json -P 7211 || { echo "FAIL $name: rstsnoop did not start"; return; }
	rstgen connect --addr "$addr" --port 7211 --count 3 --name mx-refuse >"$T/gen" 2>&1
	stop
	pid=$(pid_of "$T/gen")
	expect "$name" "records for the connecting process" "$(count "$T/$name.out" \
		'"event":"handshake_failed","side":"client","cause":"refused"' \
		"\"pid\":$pid,\"comm\":\"mx-refuse\"" '"attribution":"socket_owner"' \
		"\"family\":\"$fam\"" '"rport":7211' '"state":"SYN_SENT"')" 3
	expect "$name.total" "records in all" "$(count "$T/$name.out" '"event"')" 3
	# the local stack's RST is folded in: tcp_send_reset (6.10+) or the
	# dropped SYN (skb:kfree_skb) before
	if [ $REASONS = 1 ]; then want_reason='"reason":"NO_SOCKET"'; else want_reason='"reason":null'; fi
	expect "$name.rst_origin" "records naming the local stack's RST" "$(count "$T/$name.out" \
		"$want_reason" '"rst_origin":"local_stack"')" 3
}
refused ipv4 127.0.0.1
refused ipv6 ::1

# 2. An established connection reset by a local server.
server_reset() {
	how=$1 port=$2
	name=server_reset_$how
	start "$name" --json -P $port || { echo "FAIL $name: rstsnoop did not start"; return; }
	rstgen serve --port $port --close "$how" --count 1 --name mx-server >"$T/srv" 2>&1 &
	spid=$!
	wait_ready "$T/srv"
	rstgen client --port $port --count 1 --bytes 10 --name mx-client >"$T/cli" 2>&1
	wait $spid
	stop
	cpid=$(pid_of "$T/cli")
	expect "$name.sent" "reset_sent by the server" "$(count "$T/$name.out" '"event":"reset_sent"' \
		"\"pid\":$spid,\"comm\":\"mx-server\"" '"state":"ESTABLISHED"')" 1
	expect "$name.received" "reset_received by the client" "$(count "$T/$name.out" \
		'"event":"reset_received"' "\"pid\":$cpid,\"comm\":\"mx-client\"" '"state":"ESTABLISHED"')" 1
	sed -n 's/.*"event":"reset_sent".*"reason":\([^,]*\),.*/\1/p' "$T/$name.out" >"$T/reason-$how"
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
	expect remote_closed_port.sent "socket-less reset_sent without a process" "$(count "$T/remote.out" \
		'"event":"reset_sent"' '"pid":null' '"attribution":"none"' '"laddr":"198.18.0.1","lport":7211')" 3
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
