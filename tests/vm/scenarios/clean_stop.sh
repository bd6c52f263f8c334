#!/bin/sh
# programs: both
# A refused-connect storm that runs on while rstsnoop stops, at its -d
# deadline and on SIGINT: whatever it still reports must be whole.  Each
# record is the storm's refused connect with every fact the kernel offers
# (owner, and the local stack's RST where the kernel shows it); none is
# extra (no more than the kernel's AttemptFails and OutRsts), none is
# reported lost.
. "$SCENARIO_LIB"
PORT=7212

storm_across_stop() {
	how=$1 name=clean_stop_$1
	if [ "$how" = duration ]; then
		start_rstsnoop "$name" --json -d 2 || { fail "$name" "rstsnoop did not start"; return; }
	else
		start_rstsnoop "$name" --json || { fail "$name" "rstsnoop did not start"; return; }
	fi
	af0=$(snmp AttemptFails) rst0=$(snmp OutRsts)
	rstgen connect --port $PORT --seconds 5 --name mx-storm >"$T/$name.gen" 2>&1 &
	gpid=$!
	if [ "$how" = duration ]; then
		wait_rstsnoop
	else
		sleep 1.5
		kill -INT $RSTSNOOP_PID
		wait_rstsnoop
	fi
	rc=$?
	# the storm must still be running when rstsnoop is gone, or the stop
	# was not under load
	kill -0 $gpid 2>/dev/null
	under_load=$?
	wait $gpid
	af=$(($(snmp AttemptFails) - af0)) rst=$(($(snmp OutRsts) - rst0))
	spid=$(gen_value "$T/$name.gen" pid)
	total=$(count "$name" netns=$HERE)
	expect "$name.status" "exit status" $rc 0
	expect "$name.under_load" "storm running after rstsnoop exited (0 = yes)" $under_load 0
	if [ "$total" -gt 0 ] 2>/dev/null; then pass "$name.records"
	else fail "$name.records" "no record of the storm in this netns ($total)"; fi
	# shellcheck disable=SC2046 # closed_port_facts is a list of KEY=VALUE
	expect "$name.complete" "records with every fact ($(closed_port_facts), owner pid $spid)" \
		"$(count "$name" netns=$HERE event=handshake_failed cause=refused side=client \
			attribution=socket_owner pid="$spid" comm=mx-storm rport=$PORT $(closed_port_facts))" \
		"$total"
	expect "$name.no_other" "records with cause=other" "$(count "$name" netns=$HERE cause=other)" 0
	expect "$name.counters" "Tcp OutRsts delta (AttemptFails $af)" $rst $af
	expect_le "$name.at_most_attempt_fails" "records (Tcp AttemptFails delta $af)" "$total" $af
	expect "$name.lost" "lost line on stderr" "$(lost_line "$name")" ""
}
storm_across_stop duration
storm_across_stop sigint
