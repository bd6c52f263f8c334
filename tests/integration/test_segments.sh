#!/bin/bash
# Hand-made segments (python raw sockets, so host only; the scenarios shared
# with the kernel matrix are in tests/vm/scenarios/): a stray ACK to a
# closed port, and one to a listener.
. "$(dirname "$0")/../lib.sh"

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
