#!/bin/sh
# programs: both
# A local process connects to a closed port: one handshake_failed record
# per attempt, for the connecting process, with the local stack's RST folded
# in where the kernel shows it; the kernel's Tcp counters move by the same
# count.
. "$SCENARIO_LIB"
ATTEMPTS=5

refused() {
	fam=$1 addr=$2 name=refused_loopback_$1
	start_rstsnoop "$name" --json || { fail "$name" "rstsnoop did not start"; return; }
	af0=$(snmp AttemptFails) rst0=$(snmp OutRsts)
	rstgen connect --addr "$addr" --port 7211 --count $ATTEMPTS --name mx-refuse >"$T/$name.gen" 2>&1
	af=$(($(snmp AttemptFails) - af0)) rst=$(($(snmp OutRsts) - rst0))
	stop_rstsnoop
	expect "$name.status" "exit status" $? 0
	pid=$(gen_value "$T/$name.gen" pid)
	expect "$name.attempt_fails" "Tcp AttemptFails delta" $af $ATTEMPTS
	expect "$name.out_rsts" "Tcp OutRsts delta" $rst $ATTEMPTS
	expect "$name.total" "records in this netns" "$(count "$name" netns=$HERE)" $ATTEMPTS
	expect "$name" "records for the connecting process" "$(count "$name" netns=$HERE \
		event=handshake_failed side=client cause=refused pid="$pid" comm=mx-refuse uid=0 \
		attribution=socket_owner family=$fam laddr="$addr" raddr="$addr" rport=7211 \
		state=SYN_SENT error=ECONNREFUSED)" $ATTEMPTS
	expect "$name.sock_ino" "records without a socket inode" \
		"$(count "$name" netns=$HERE sock_ino=null)" 0
	# shellcheck disable=SC2046 # closed_port_facts is a list of KEY=VALUE
	expect "$name.rst_origin" "records with $(closed_port_facts)" \
		"$(count "$name" netns=$HERE $(closed_port_facts))" $ATTEMPTS
	expect "$name.lports" "distinct local ports" \
		"$(jsonq "$T/$name.out" values lport netns=$HERE | sort -u | wc -l | tr -d ' ')" $ATTEMPTS
}
refused ipv4 127.0.0.1
refused ipv6 ::1
