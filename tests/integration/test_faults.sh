#!/bin/bash
# Faults: kill -9 in the middle of a storm leaves no program, link or map
# behind and a restart works; two instances at once both see everything;
# a host where tracefs cannot be mounted gets its one clear line.
. "$(dirname "$0")/../lib.sh"

# Ids of the BPF objects a process holds, from its fdinfo: "prog 12 map 7 ...".
bpf_objects_of() {
	grep -hoE '^(prog|map|link)_id:[[:space:]]*[0-9]+' /proc/"$1"/fdinfo/* 2>/dev/null |
		sed 's/_id:[[:space:]]*/ /' | sort -u
}

# The ones of those that the kernel still knows.
still_alive() {
	local kind id
	while read -r kind id; do
		bpftool "$kind" show id "$id" >/dev/null 2>&1 && echo "$kind $id"
	done
}

# refused_storm NS NAME COUNT -> rstgen's pid on stdout
refused_storm() {
	ip netns exec "$1" "$RSTGEN" connect --port 7211 --count "$3" --name "$2" >"$WORK/$2.gen" 2>&1
	gen_value "$WORK/$2.gen" pid
}

begin "kill9_during_storm_leaves_nothing_attached"
ns=$(make_netns kill)
start_rstsnoop kill --json -P 7211 || abort "rstsnoop did not start"
bpf_objects_of "$RSTSNOOP_PID" >"$WORK/objects"
want_true "programs found in fdinfo ($(tr '\n' ' ' <"$WORK/objects"))" grep -q '^prog ' "$WORK/objects"
# the oracle sees them while they are alive
want "objects bpftool shows while running" "$(still_alive <"$WORK/objects" | wc -l)" \
	"$(wc -l <"$WORK/objects")"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --seconds 3 --name rt-kill >/dev/null 2>&1 &
storm=$!
sleep 1
kill -KILL "$RSTSNOOP_PID"
wait "$RSTSNOOP_PID" 2>/dev/null
RSTSNOOP_PID=""
wait "$storm"
# The kernel frees programs after their last reference goes, from a
# deferred work item: give it a moment.
for _ in $(seq 50); do
	left=$(still_alive <"$WORK/objects")
	[ -z "$left" ] && break
	sleep 0.1
done
want "objects left after kill -9" "$(echo $left)" ""
finish

begin "restart_after_kill9"
ns=$(make_netns restart)
nsino=$(netns_inode "$ns")
af0=$(snmp AttemptFails "$ns")
start_rstsnoop restart --json -P 7211 || abort "rstsnoop did not start again"
pid=$(refused_storm "$ns" rt-restart 100)
stop_rstsnoop
want "exit status" $? 0
want "AttemptFails delta" $(($(snmp AttemptFails "$ns") - af0)) 100
want "records" "$($QUERY "$WORK/restart.out" count netns="$nsino" pid="$pid" cause=refused)" 100
finish

begin "two_instances_both_see_everything"
ns=$(make_netns two)
nsino=$(netns_inode "$ns")
start_rstsnoop first --json -P 7211 || abort "first rstsnoop did not start"
first=$RSTSNOOP_PID
start_rstsnoop second --json -P 7211 || abort "second rstsnoop did not start"
second=$RSTSNOOP_PID
BG_PIDS+=("$first")
af0=$(snmp AttemptFails "$ns")
pid=$(refused_storm "$ns" rt-two 2000)
af=$(($(snmp AttemptFails "$ns") - af0))
want "AttemptFails delta" "$af" 2000
stop_rstsnoop
want "second exit status" $? 0
RSTSNOOP_PID=$first
stop_rstsnoop
want "first exit status" $? 0
BG_PIDS=() # reaped: its pid may belong to someone else by the end
for tag in first second; do
	want "$tag: records" "$($QUERY "$WORK/$tag.out" count netns="$nsino" pid="$pid" \
		cause=refused)" "$af"
	want "$tag: stderr only the start line ($(grep -v '^rstsnoop: tracing' "$WORK/$tag.err" |
		head -c 200))" "$(grep -vc '^rstsnoop: tracing' "$WORK/$tag.err")" 0
done
finish

# tracefs unmounted and no CAP_SYS_ADMIN to mount it (CAP_BPF and
# CAP_PERFMON are enough for everything else): the one line of today.
begin "tracefs_cannot_be_mounted"
if ! command -v setpriv >/dev/null; then
	skip_scenario "setpriv not installed"
else
	# the classic programs attach through tracefs: they cannot run
	unshare -m sh -c "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null;
		umount /sys/kernel/debug 2>/dev/null;
		exec setpriv --bounding-set=-sys_admin '$RSTSNOOP' --programs classic" \
		>"$WORK/tf.out" 2>"$WORK/tf.err"
	want "exit status" $? 1
	want "stderr lines" "$(wc -l <"$WORK/tf.err")" 1
	want "stderr" "$(cat "$WORK/tf.err")" \
		"rstsnoop: tracefs is not mounted and mounting it on /sys/kernel/tracing failed: Operation not permitted"
	want "stdout" "$(wc -c <"$WORK/tf.out")" 0
	# the BTF-typed ones do not need it
	unshare -m sh -c "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null;
		umount /sys/kernel/debug 2>/dev/null;
		exec setpriv --bounding-set=-sys_admin '$RSTSNOOP' -d 1" >/dev/null 2>"$WORK/tf2.err"
	want "exit status without --programs classic" $? 0
	want_true "traced ($(head -c 200 "$WORK/tf2.err"))" grep -q '^rstsnoop: tracing' "$WORK/tf2.err"
fi
finish
