#!/bin/bash
# Privileges after start-up: once rstsnoop says it is tracing, it holds no
# capability (CAP_BPF alone where the kernel gates bpf() on fds we hold),
# no_new_privs is set, and with --user it runs as that user.  The oracle is
# the kernel's /proc/PID/status of the process the test started; the
# records must still name the processes the test started.
. "$(dirname "$0")/../lib.sh"
# --user: rstsnoop writes its ready file after switching users, so the
# folder must be writable by them (sticky, like /tmp)
chmod 1777 "$WORK"

CAP_BPF_MASK=0000008000000000

# What the kernel needs for BPF_MAP_LOOKUP_ELEM on an fd we hold: before
# 5.19, every bpf() command checks bpf_capable() when
# kernel.unprivileged_bpf_disabled is set; from 5.19 (commit c8644cd0efe7)
# only map and program creation do.
expected_capeff() {
	local major minor
	IFS=. read -r major minor _ <<<"$(uname -r)"
	if [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" != 0 ] &&
		{ [ "$major" -lt 5 ] || { [ "$major" = 5 ] && [ "$minor" -lt 19 ]; }; }; then
		echo $CAP_BPF_MASK
	else
		echo 0000000000000000
	fi
}

status_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# privileges_after_start TAG ARGS...: starts rstsnoop with ARGS, checks its
# privileges, then that a refused connect is still reported for the test's
# process and the run ends cleanly.  Prints the Uid for the caller.
privileges_after_start() {
	local tag=$1 ns nsino pid
	shift
	ns=$(make_netns "$tag") || { abort "cannot create netns"; return; }
	nsino=$(netns_inode "$ns")
	start_rstsnoop "$tag" --json "$@" || { abort "rstsnoop did not start"; return; }
	want "CapEff" "$(status_field "$RSTSNOOP_PID" CapEff)" "$(expected_capeff)"
	want "CapPrm" "$(status_field "$RSTSNOOP_PID" CapPrm)" "$(expected_capeff)"
	want "CapBnd" "$(status_field "$RSTSNOOP_PID" CapBnd)" 0000000000000000
	want "CapAmb" "$(status_field "$RSTSNOOP_PID" CapAmb)" 0000000000000000
	want "NoNewPrivs" "$(status_field "$RSTSNOOP_PID" NoNewPrivs)" 1
	RUN_UID=$(status_field "$RSTSNOOP_PID" Uid)
	RUN_GID=$(status_field "$RSTSNOOP_PID" Gid)
	ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 3 --name rt-priv >"$WORK/gen" 2>&1
	pid=$(gen_value "$WORK/gen" pid)
	stop_rstsnoop
	want "exit status" $? 0
	want "records for the test's process after the drop" "$($QUERY "$WORK/$tag.out" count \
		netns="$nsino" pid="$pid" comm=rt-priv cause=refused)" 3
	want "stderr only the start line ($(grep -v '^rstsnoop: tracing' "$WORK/$tag.err" | head -c 200))" \
		"$(grep -vc '^rstsnoop: tracing' "$WORK/$tag.err")" 0
}

begin "capabilities_dropped_once_tracing"
privileges_after_start priv-root
want "still uid 0" "$RUN_UID" 0
finish

begin "user_option_switches_uid"
if ! getent passwd nobody >/dev/null; then
	skip_scenario "no user 'nobody' on this host"
else
	privileges_after_start priv-user --user nobody
	want "uid" "$RUN_UID" "$(id -u nobody)"
	want "gid" "$RUN_GID" "$(id -g nobody)"
fi
finish

begin "user_option_numeric_uid"
privileges_after_start priv-num --user 4242
want "uid" "$RUN_UID" 4242
finish

# A full ring counts lost records in a map that is read after the drop:
# the count must still come out.
begin "lost_count_read_after_drop"
ns=$(make_netns priv-lost)
start_rstsnoop priv-lost --json -P 7211 -c rt-privlost --ringbuf-kb 4 --user nobody ||
	abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --seconds 2 --name rt-privlost >"$WORK/gen" 2>&1
stop_rstsnoop
want "exit status" $? 0
attempts=$(gen_value "$WORK/gen" attempts)
lost=$(sed -n 's/^rstsnoop: lost \([0-9]*\) records.*/\1/p' "$WORK/priv-lost.err")
kept=$($QUERY "$WORK/priv-lost.out" count)
want_true "lost count reported ($(grep -v tracing "$WORK/priv-lost.err" | head -c 200))" \
	test -n "$lost"
want "kept + lost = attempts" $((kept + ${lost:-0})) "$attempts"
finish

bad_user() {
	local name=$1 pattern=$2
	shift 2
	begin "bad_user_$name"
	"$RSTSNOOP" "$@" >"$WORK/bu.out" 2>"$WORK/bu.err"
	want "exit status" $? 2
	want "stderr lines" "$(wc -l <"$WORK/bu.err")" 1
	want_true "stderr names it ($(head -1 "$WORK/bu.err"))" grep -q "$pattern" "$WORK/bu.err"
	want "stdout" "$(wc -c <"$WORK/bu.out")" 0
	finish
}
bad_user unknown "unknown user for --user.*no-such-user-here" --user no-such-user-here
bad_user root "not uid 0" --user root
bad_user empty "needs a user name or uid" --user ""
