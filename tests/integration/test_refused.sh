#!/bin/bash
# A local process connects to a closed port: one handshake_failed record per
# attempt, attributed to the connecting process, and the kernel's own
# counters move by the same count.
. "$(dirname "$0")/../lib.sh"

ATTEMPTS=5

refused() {
	local family=$1 addr=$2 ns nsino pid af0 rst0
	begin "refused_loopback_$family"
	ns=$(make_netns "ref-$family") || { abort "cannot create netns"; finish; return; }
	nsino=$(netns_inode "$ns")
	start_rstsnoop "ref-$family" --json || { abort "rstsnoop did not start"; finish; return; }
	af0=$(snmp "$ns" AttemptFails)
	rst0=$(snmp "$ns" OutRsts)
	ip netns exec "$ns" "$RSTGEN" connect --addr "$addr" --port 7211 --count $ATTEMPTS \
		--name rt-refuse >"$WORK/gen" 2>&1
	want "AttemptFails delta" $(($(snmp "$ns" AttemptFails) - af0)) $ATTEMPTS
	want "OutRsts delta" $(($(snmp "$ns" OutRsts) - rst0)) $ATTEMPTS
	stop_rstsnoop
	want "rstsnoop exit status" $? 0
	pid=$(gen_value "$WORK/gen" pid)
	local out="$WORK/ref-$family.out"
	want "records in the test's netns" "$($QUERY "$out" count netns="$nsino")" $ATTEMPTS
	want "records for the connecting process" "$($QUERY "$out" count netns="$nsino" \
		event=handshake_failed side=client cause=refused pid="$pid" comm=rt-refuse \
		attribution=socket_owner family="$family" laddr="$addr" raddr="$addr" rport=7211 \
		state=SYN_SENT error=ECONNREFUSED uid=0)" $ATTEMPTS
	want "records without a socket inode" "$($QUERY "$out" count netns="$nsino" sock_ino=null)" 0
	if kernel_sends_socketless; then
		want "records naming the local stack's NO_SOCKET reset" "$($QUERY "$out" count \
			netns="$nsino" reason=NO_SOCKET rst_origin=local_stack)" $ATTEMPTS
	fi
	want "distinct local ports" "$($QUERY "$out" values lport netns="$nsino" | sort -u | wc -l)" \
		$ATTEMPTS
	finish
}

refused ipv4 127.0.0.1
refused ipv6 ::1
