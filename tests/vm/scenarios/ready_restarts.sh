#!/bin/sh
# Twenty starts back to back, each with a refused-connect storm begun the
# moment the ready file names the new process: every run reports exactly
# what the kernel counted.  (Polling a reused stderr file for "tracing"
# could see the previous run's line and start the storm too early.)
# Under TCG a start verifies every program in emulation (about 6 s on 6.12):
# twenty would not fit the scenario's time limit, so a VM makes eight.
. "$SCENARIO_LIB"
RUNS=20 ATTEMPTS=100 PORT=7213
[ "${RSTSNOOP_VM:-0}" = 1 ] && RUNS=8

exact=0 first_bad=""
i=1
while [ $i -le $RUNS ]; do
	name=ready_restart_$i
	if ! start_rstsnoop "$name" --json -P $PORT; then
		first_bad=${first_bad:-"run $i: rstsnoop did not start"}
		break
	fi
	af0=$(snmp AttemptFails)
	rstgen connect --port $PORT --count $ATTEMPTS --name mx-ready >"$T/$name.gen" 2>&1
	af=$(($(snmp AttemptFails) - af0))
	stop_rstsnoop
	rc=$?
	got=$(count "$name" netns=$HERE event=handshake_failed cause=refused \
		pid="$(gen_value "$T/$name.gen" pid)")
	total=$(count "$name" netns=$HERE)
	lost=$(lost_line "$name")
	if [ $rc = 0 ] && [ "$af" = $ATTEMPTS ] && [ "$got" = "$af" ] && [ "$total" = "$got" ] &&
		[ -z "$lost" ]; then
		exact=$((exact + 1))
	else
		first_bad=${first_bad:-"run $i: exit $rc, AttemptFails +$af, records $got of $total, $lost"}
	fi
	i=$((i + 1))
done
expect ready_restarts "runs whose records equal the AttemptFails delta (first miss: ${first_bad:-none})" \
	$exact $RUNS
