#!/bin/sh
# programs: both
# The runs that print no line per record count in the kernel (--summary,
# and -q with --metrics-file: bpf/count.bpf.h).  Their counts must be the
# record mode's: three rstsnoop instances watch the same storm at once
# (records, -s, metrics only), and each counts, per event, what the kernel's
# own Tcp counters say happened: refused connects over IPv4 and IPv6
# (AttemptFails) and servers resetting established connections (the
# OutRsts beyond the refusals' RSTs).
. "$SCENARIO_LIB"
REFUSED4=150 REFUSED6=100 RESETS=20
PORT=7219 SPORT=7220

# sum_groups TAG KEY=VALUE...: the count of the summary groups matching the
# pairs, over every interval (a group is an element of an interval's groups)
sum_groups() {
	_tag=$1 _sum=0 _i=0
	shift
	while [ $_i -lt 32 ]; do
		for _c in $(jsonq "$T/$_tag.out" values groups.$_i.count summary=interval \
			$(for _kv in "$@"; do printf 'groups.%s.%s ' $_i "$_kv"; done)); do
			_sum=$((_sum + _c))
		done
		_i=$((_i + 1))
	done
	echo $_sum
}

# metric TAG LABEL=VALUE...: the sum of the rstsnoop_events_total series
# whose labels include every pair (values as the exposition quotes them)
metric() {
	_f=$T/$1.prom
	shift
	awk -v want="$*" '
		/^rstsnoop_events_total\{/ {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) {
				split(w[i], kv, "=")
				if (index($0, kv[1] "=\"" kv[2] "\"") == 0) next
			}
			sum += $NF
		}
		END { print sum + 0 }' "$_f"
}

start_rstsnoop rec --json --netns "$HERE" || { fail kernel_counts "rstsnoop did not start"; exit 0; }
REC=$RSTSNOOP_PID
start_rstsnoop sum -s 600 --json --netns "$HERE" || { fail kernel_counts "-s did not start"; exit 0; }
SUM=$RSTSNOOP_PID
start_rstsnoop met -q --metrics-file "$T/met.prom" --netns "$HERE" ||
	{ fail kernel_counts "-q --metrics-file did not start"; exit 0; }
MET=$RSTSNOOP_PID

af0=$(snmp AttemptFails) rst0=$(snmp OutRsts) er0=$(snmp EstabResets)
rstgen connect --addr 127.0.0.1 --port $PORT --count $REFUSED4 --name kc-refuse >"$T/gen4" 2>&1
rstgen connect --addr ::1 --port $PORT --count $REFUSED6 --name kc-refuse >"$T/gen6" 2>&1
rstgen serve --port $SPORT --close linger --count $RESETS --name kc-server >"$T/srv" 2>&1 &
spid=$!
if wait_for_line "$T/srv" ready; then
	rstgen client --port $SPORT --count $RESETS --bytes 0 --name kc-client >"$T/cli" 2>&1
fi
wait $spid
af=$(($(snmp AttemptFails) - af0)) rst=$(($(snmp OutRsts) - rst0)) er=$(($(snmp EstabResets) - er0))

# stop_instance MODE PID: stop one of the three, check its exit status
stop_instance() {
	RSTSNOOP_PID=$2
	stop_rstsnoop
	expect kernel_counts.status.$1 "exit status" $? 0
}
stop_instance met $MET
stop_instance sum $SUM
stop_instance rec $REC
refused=$((REFUSED4 + REFUSED6))
expect kernel_counts.attempt_fails "Tcp AttemptFails delta" $af $refused
expect kernel_counts.out_rsts "Tcp OutRsts delta" $rst $((refused + RESETS))
expect kernel_counts.client_resets "resets the clients saw" "$(gen_value "$T/cli" reset)" $RESETS
resets_received=$((er - RESETS)) # the servers' aborts and the clients' resets

# the record mode, against the kernel
expect kernel_counts.records.refused "handshake_failed records" \
	"$(count rec netns=$HERE event=handshake_failed cause=refused comm=kc-refuse rport=$PORT)" $refused
expect kernel_counts.records.reset_sent "reset_sent records" \
	"$(count rec netns=$HERE event=reset_sent comm=kc-server lport=$SPORT)" $RESETS
expect kernel_counts.records.reset_received "reset_received records" \
	"$(count rec netns=$HERE event=reset_received comm=kc-client rport=$SPORT)" $resets_received
rec_total=$(count rec netns=$HERE)

# -s: counted in the kernel, the same counts per group
expect kernel_counts.summary.refused4 "-s: the IPv4 refusals' group" \
	"$(sum_groups sum netns=$HERE event=handshake_failed cause=refused comm=kc-refuse \
		family=ipv4 rport=$PORT lport=null pids=1)" $REFUSED4
expect kernel_counts.summary.refused6 "-s: the IPv6 refusals' group" \
	"$(sum_groups sum netns=$HERE event=handshake_failed cause=refused comm=kc-refuse \
		family=ipv6 rport=$PORT lport=null pids=1)" $REFUSED6
expect kernel_counts.summary.reset_sent "-s: the servers' resets" \
	"$(sum_groups sum netns=$HERE event=reset_sent comm=kc-server lport=$SPORT)" $RESETS
expect kernel_counts.summary.reset_received "-s: the clients' resets" \
	"$(sum_groups sum netns=$HERE event=reset_received comm=kc-client rport=$SPORT)" \
	$resets_received
expect kernel_counts.summary.total "-s: every group" "$(sum_groups sum netns=$HERE)" "$rec_total"
origin=$(jsonq "$T/rec.out" values rst_origin netns=$HERE event=handshake_failed | sort -u)
expect kernel_counts.summary.origin "-s: the refusals' rst_origin as the records'" \
	"$(sum_groups sum event=handshake_failed rst_origin="$origin")" $refused
expect kernel_counts.summary.overflow "-s: groups_overflow" \
	"$(jsonq "$T/sum.out" values groups_overflow summary=interval | sort -u)" 0

# metrics only: counted in the kernel, the same counts per series
expect kernel_counts.metrics.refused "metrics: the refusals' series" \
	"$(metric met event=handshake_failed cause=refused comm=kc-refuse port=$PORT)" $refused
expect kernel_counts.metrics.reset_sent "metrics: the servers' resets" \
	"$(metric met event=reset_sent comm=kc-server port=$SPORT)" $RESETS
expect kernel_counts.metrics.reset_received "metrics: the clients' resets" \
	"$(metric met event=reset_received comm=kc-client port=$SPORT)" $resets_received
expect kernel_counts.metrics.total "metrics: every series" "$(metric met)" "$rec_total"
