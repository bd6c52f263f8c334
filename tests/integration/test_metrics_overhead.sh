#!/bin/bash
# rstsnoop's self-overhead series: the loader's CPU seconds (getrusage) and
# each BPF program's runs and run time (bpf_prog_info).  The kernel counts
# the latter only while kernel.bpf_stats_enabled is 1 or someone holds a
# BPF_ENABLE_STATS fd: the test holds one (bpf_stats_hold.py) rather than
# write the sysctl, a machine-wide switch others' measurements use.  Oracle for the runs: a refused
# connect is two state changes of its socket (CLOSE->SYN_SENT,
# SYN_SENT->CLOSE), each a run of the inet_sock_set_state program.
. "$(dirname "$0")/../lib.sh"

PROM="python3 $TOP/tests/integration/prom.py"
STORM=30
stats_enabled() { cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null; }
# set_state_runs FILE: runs of the inet_sock_set_state program (either set)
set_state_runs() {
	awk '/^rstsnoop_bpf_program_runs_total\{program="on_set_state/ { n += $2 } END { print n + 0 }' "$1"
}
snapshot() {
	# a whole exposition written after the wanted moment
	local since=$1 out=$2
	wait_until 10 sh -c "[ \"\$(stat -c %Y '$WORK/m.prom')\" -gt $since ]" &&
		cp "$WORK/m.prom" "$out"
}

begin "metrics_self_overhead"
ns=$(make_netns ovh)
python3 "$TOP/tests/integration/bpf_stats_hold.py" >"$WORK/hold" 2>&1 &
kill_at_exit $!
wait_for_line "$WORK/hold" '^holding$' || abort "no BPF_ENABLE_STATS fd: $(head -c 200 "$WORK/hold")"
start_rstsnoop ovh -q --metrics-file "$WORK/m.prom" --metrics-interval 1 || abort "rstsnoop did not start"
snapshot "$(date +%s)" "$WORK/before.prom" || abort "no metrics file"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count $STORM --name rt-overhead >"$WORK/gen" 2>&1
snapshot "$(date +%s)" "$WORK/after.prom" || abort "no metrics file after the storm"
stats_after=$(stats_enabled)
want "the kernel's AttemptFails" "$(snmp AttemptFails "$ns")" $STORM
cpu=$($PROM "$WORK/after.prom" sum rstsnoop_process_cpu_seconds_total)
want_true "the loader's CPU seconds are above 0 ($cpu)" python3 -c "import sys; sys.exit(not $cpu > 0)"
want_true "CPU seconds do not go back" python3 -c \
	"import sys; sys.exit(not $cpu >= $($PROM "$WORK/before.prom" sum rstsnoop_process_cpu_seconds_total))"
want_true "a runs series for the inet_sock_set_state program" \
	grep -q '^rstsnoop_bpf_program_runs_total{program="on_set_state' "$WORK/after.prom"
want "as many run-time series as runs series" "$($PROM "$WORK/after.prom" series rstsnoop_bpf_program_run_seconds_total)" \
	"$($PROM "$WORK/after.prom" series rstsnoop_bpf_program_runs_total)"
want "rstsnoop_bpf_stats_enabled is the sysctl" "$($PROM "$WORK/after.prom" sum rstsnoop_bpf_stats_enabled)" "$stats_after"
if grep -q '^holding$' "$WORK/hold"; then
	runs=$(($(set_state_runs "$WORK/after.prom") - $(set_state_runs "$WORK/before.prom")))
	want_true "set_state ran at least twice per refused connect ($runs for $STORM)" [ "$runs" -ge $((2 * STORM)) ]
	secs=$(awk '/^rstsnoop_bpf_program_run_seconds_total\{program="on_set_state/ { n += $2 } END { print n + 0 }' "$WORK/after.prom")
	want_true "its run time is above 0 ($secs s)" python3 -c "import sys; sys.exit(not $secs > 0)"
fi
# every family of the exposition is documented in the man page
sed 's/\\//g' "$TOP/dist/rstsnoop.8" >"$WORK/man.plain"
for family in $(sed -n 's/^# HELP \([a-z_]*\) .*/\1/p' "$WORK/after.prom"); do
	want_true "the man page documents $family" grep -q "$family" "$WORK/man.plain"
done
stop_rstsnoop
want "exit status" $? 0
finish
