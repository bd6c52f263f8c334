#!/bin/bash
# Established connections reset by a local server (SO_LINGER {1,0}, and close
# with unread data), and a remote peer refused by a closed port.
. "$(dirname "$0")/../lib.sh"

# server_reset HOW: the server's reset_sent and the client's reset_received,
# each attributed to its own process.  Prints the server's reason.
server_reset() {
	local how=$1 ns nsino spid cpid out port=7300
	begin "server_reset_$how"
	ns=$(make_netns "srv-$how") || { abort "cannot create netns"; finish; return; }
	nsino=$(netns_inode "$ns")
	start_rstsnoop "srv-$how" --json || { abort "rstsnoop did not start"; finish; return; }
	ip netns exec "$ns" "$RSTGEN" serve --port $port --close "$how" --count 1 \
		--name rt-server >"$WORK/serve-$how" 2>&1 &
	BG_PIDS+=($!)
	wait_for_line "$WORK/serve-$how" ready
	# linger: no data, or it may reach the server after its close and draw
	# a second, socket-less RST; unread: the data is what the close drops
	local bytes=0
	[ "$how" = unread ] && bytes=10
	ip netns exec "$ns" "$RSTGEN" client --port $port --count 1 --bytes $bytes \
		--name rt-client >"$WORK/client-$how" 2>&1
	wait "${BG_PIDS[-1]}"
	stop_rstsnoop
	spid=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$WORK/serve-$how")
	cpid=$(gen_value "$WORK/client-$how" pid)
	out="$WORK/srv-$how.out"
	want "client saw the reset" "$(gen_value "$WORK/client-$how" reset)" 1
	want "reset_sent by the server process" "$($QUERY "$out" count netns="$nsino" \
		event=reset_sent pid="$spid" comm=rt-server attribution=socket_owner lport=$port \
		state=ESTABLISHED)" 1
	want "reset_received by the client process" "$($QUERY "$out" count netns="$nsino" \
		event=reset_received pid="$cpid" comm=rt-client attribution=socket_owner rport=$port \
		state=ESTABLISHED)" 1
	want "records in total" "$($QUERY "$out" count netns="$nsino")" 2
	want "server socket inode known" "$($QUERY "$out" count netns="$nsino" event=reset_sent \
		sock_ino=null)" 0
	finish
	$QUERY "$out" values reason netns="$nsino" event=reset_sent pid="$spid" >"$WORK/reason-$how"
}

server_reset linger
server_reset unread
begin "server_reset_reasons_distinct"
if ! kernel_has_reasons; then
	want "reason without kernel reasons" "$(cat "$WORK/reason-linger")" null
	want "reason without kernel reasons" "$(cat "$WORK/reason-unread")" null
else
	want "unread-data close reason" "$(cat "$WORK/reason-unread")" TCP_ABORT_ON_CLOSE
	want_true "linger reason differs ($(cat "$WORK/reason-linger"))" \
		test "$(cat "$WORK/reason-linger")" != "$(cat "$WORK/reason-unread")" -a \
		"$(cat "$WORK/reason-linger")" != null
fi
finish

# A peer in another namespace connects to a closed port: the RST is sent
# without a socket, so no local process owns it; tcpdump is the oracle for
# what went on the wire.
remote_refused() {
	local family=$1 addr=$2 peer=$3 a b ain bin out dump n_wire
	begin "remote_closed_port_$family"
	a=$(make_netns "rema-$family") && b=$(make_netns "remb-$family") && link_netns "$a" "$b" ||
		{ abort "cannot build namespaces"; finish; return; }
	ain=$(netns_inode "$a")
	bin=$(netns_inode "$b")
	dump="$WORK/rem-$family.pcap"
	ip netns exec "$a" tcpdump -i "va$$" -U -w "$dump" 'tcp[tcpflags] & tcp-rst != 0 or ip6' \
		>/dev/null 2>&1 &
	BG_PIDS+=($!)
	start_rstsnoop "rem-$family" --json || { abort "rstsnoop did not start"; finish; return; }
	sleep 0.5 # tcpdump attached
	ip netns exec "$b" "$RSTGEN" connect --addr "$addr" --port 7211 --count 3 \
		--name rt-remote >"$WORK/gen-rem" 2>&1
	stop_rstsnoop
	sleep 0.3
	kill -INT "${BG_PIDS[-1]}"
	wait "${BG_PIDS[-1]}" 2>/dev/null
	out="$WORK/rem-$family.out"
	n_wire=$(tcpdump -r "$dump" -nn 'tcp[tcpflags] & tcp-rst != 0 or (ip6 and ip6[53] & 4 != 0)' \
		2>/dev/null | grep -c "$addr\.7211 >")
	want "RSTs on the wire (tcpdump)" "$n_wire" 3
	want "client handshake_failed in peer netns" "$($QUERY "$out" count netns="$bin" \
		event=handshake_failed cause=refused comm=rt-remote rst_origin=null)" 3
	if kernel_sends_socketless || "$RSTSNOOP" --features | grep -q 'kfree_skb'; then
		want "socket-less reset_sent, one per RST on the wire" "$($QUERY "$out" count \
			netns="$ain" event=reset_sent pid=null attribution=none laddr="$addr" lport=7211 \
			raddr="$peer" state=null)" "$n_wire"
	else
		skip_scenario "kernel shows no socket-less RSTs"
	fi
	finish
}

remote_refused ipv4 198.18.0.1 198.18.0.2
remote_refused ipv6 2001:db8::1 2001:db8::2

# A stray ACK to a closed port (what a TIME_WAIT peer or a forgotten
# connection sends): the stack's socket-less RST answers a segment that is
# not a SYN, so no connecting socket will take it; it is a record of its own.
begin "socketless_rst_to_stray_ack"
ns=$(make_netns stray)
nsino=$(netns_inode "$ns")
start_rstsnoop stray --json || abort "rstsnoop did not start"
ip netns exec "$ns" python3 "$TOP/tests/integration/send_segment.py" 127.0.0.1 40001 127.0.0.1 7299 A
stop_rstsnoop
want "socket-less reset_sent" "$($QUERY "$WORK/stray.out" count netns="$nsino" event=reset_sent \
	pid=null attribution=none lport=7299 rport=40001 rst_origin=local_stack state=null)" 1
want "records" "$($QUERY "$WORK/stray.out" count netns="$nsino")" 1
if kernel_has_reasons; then
	want "reason" "$($QUERY "$WORK/stray.out" values reason netns="$nsino")" NO_SOCKET
fi
finish

# An ACK that no handshake expects reaches a listener, which resets it: a
# failed handshake on the server side, naming the segment's sender.
begin "listener_resets_unexpected_ack"
ns=$(make_netns lsnack)
nsino=$(netns_inode "$ns")
ip netns exec "$ns" "$RSTGEN" serve --port 7302 --count 1 --name rt-lsn >"$WORK/lsn" 2>&1 &
spid=$!
BG_PIDS+=($spid)
wait_for_line "$WORK/lsn" ready
start_rstsnoop lsnack --json || abort "rstsnoop did not start"
ip netns exec "$ns" python3 "$TOP/tests/integration/send_segment.py" 127.0.0.1 40002 127.0.0.1 7302 A
stop_rstsnoop
want "listener's handshake_failed" "$($QUERY "$WORK/lsnack.out" count netns="$nsino" \
	event=handshake_failed side=server cause=reset pid="$spid" comm=rt-lsn \
	attribution=socket_owner laddr=127.0.0.1 lport=7302 raddr=127.0.0.1 rport=40002 state=LISTEN)" 1
want "records" "$($QUERY "$WORK/lsnack.out" count netns="$nsino")" 1
finish
