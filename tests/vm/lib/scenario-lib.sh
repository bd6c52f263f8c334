# shellcheck shell=sh
# Helpers of the scenarios (tests/vm/scenarios/*.sh), which run unchanged in
# the kernel-matrix VMs (busybox, dash) and on the host (run-host.sh, in a
# fresh network namespace).  Plain POSIX sh; sourced, not run:
#   . "$SCENARIO_LIB"
# Needs in PATH: rstsnoop, rstgen, jsonq (tests/tools/), ip; tcpdump where
# a scenario uses it.  Records are matched by field name with jsonq, never
# by field order.  Variables of the helpers start with _ (sh has no locals).
T=${SCENARIO_TMP:?run scenarios through run-scenarios.sh}
# A scenario marked "# programs: both" runs twice (run-scenarios.sh): as
# rstsnoop chooses, and with RSTSNOOP_PROGRAMS=classic, which forces the
# classic tracepoint programs (start_rstsnoop passes it on); that run's
# result names start with "classic.".
RESULT_PREFIX=${RSTSNOOP_PROGRAMS:+$RSTSNOOP_PROGRAMS.}
TEST_OUT=$T
STOP_SETTLE=0.5 # TCG is slow
# tests/lib/common.sh (run-scenarios.sh finds it): results, counters,
# waiting, namespaces, rstsnoop's start and stop.
. "${TEST_COMMON_LIB:?run scenarios through run-scenarios.sh}"
trap common_cleanup EXIT

# expect NAME WHAT GOT WANT: one result line per check.
expect() {
	if [ "$3" = "$4" ]; then pass "$1"; else fail "$1" "$2: got '$3', want '$4'"; fi
}
# expect_le NAME WHAT GOT LIMIT: GOT is a number <= LIMIT.
expect_le() {
	if [ -n "$3" ] && [ "$3" -le "$4" ] 2>/dev/null; then pass "$1"
	else fail "$1" "$2: got '$3', want at most '$4'"; fi
}

# The scenario's own network namespace, by inode: on the host the
# tracepoints see every namespace, so checks count only records from ours.
netns_ino() { # [NETNS]: inode of NETNS, or of our own namespace
	if [ $# = 1 ]; then
		ip netns exec "$1" readlink /proc/self/ns/net
	else
		readlink /proc/self/ns/net
	fi | sed -n 's/^net:\[\([0-9]*\)\]$/\1/p'
}
HERE=$(netns_ino)

# What this kernel shows of a RST to a closed port, from its tracepoint
# format files (not from rstsnoop's opinion of the kernel):
#   send_reset  tcp_send_reset has a reason (6.10+) and fires without a socket
#   kfree_skb   skb:kfree_skb has a drop reason (5.17+): the dropped SYN
#   none        only the client's own failure (5.10)
# lockdown=confidentiality hides tracefs: there the kernel's release says
# (6.10 and 5.17 are where those fields came).
LOCKDOWN_CONFIDENTIALITY=0
grep -Eq '(^| )lockdown=confidentiality( |$)' /proc/cmdline && LOCKDOWN_CONFIDENTIALITY=1
EV=/sys/kernel/tracing/events
_release_at_least() { # MAJOR MINOR
	_r=$(uname -r)
	_maj=${_r%%.*} _min=${_r#*.}
	_min=${_min%%[!0-9]*}
	[ "$_maj" -gt "$1" ] || { [ "$_maj" -eq "$1" ] && [ "$_min" -ge "$2" ]; }
}
if [ $LOCKDOWN_CONFIDENTIALITY = 1 ]; then
	if _release_at_least 6 10; then CLOSED=send_reset
	elif _release_at_least 5 17; then CLOSED=kfree_skb
	else CLOSED=none; fi
elif grep -q 'enum sk_rst_reason reason' $EV/tcp/tcp_send_reset/format 2>/dev/null; then
	CLOSED=send_reset
elif grep -q 'field:.* reason;' $EV/skb/kfree_skb/format 2>/dev/null; then
	CLOSED=kfree_skb
else
	CLOSED=none
fi

# closed_port_facts: the KEY=VALUE pairs a refused local connect's record
# carries on this kernel (the local stack's RST folded in).
closed_port_facts() {
	case $CLOSED in
	send_reset) echo "rst_origin=local_stack reason=NO_SOCKET" ;;
	kfree_skb) echo "rst_origin=local_stack reason=null" ;;
	none) echo "rst_origin=unknown reason=null" ;;
	esac
}

# READY_DIR: where start_rstsnoop's ready files go (default $T); a
# scenario that runs rstsnoop --user sets a folder that user can reach and
# write.

# lost_line TAG: the "lost N records" line on stderr, if any.
lost_line() { grep 'lost' "$T/$1.err"; }

# count TAG KEY=VALUE...: records of rstsnoop run TAG matching all pairs.
count() {
	_tag=$1
	shift
	jsonq "$T/$_tag.out" count "$@"
}

# What skb:kfree_skb offers here: from its format file, or, under
# lockdown=confidentiality (which hides tracefs), from the release.
# kfree_has WORD MAJOR MINOR
kfree_has() {
	if [ $LOCKDOWN_CONFIDENTIALITY = 1 ]; then _release_at_least "$2" "$3"
	else grep -q "$1" "$EV/skb/kfree_skb/format" 2>/dev/null; fi
}

# feature_line PREFIX: rstsnoop's --features line starting with PREFIX
feature_line() { rstsnoop --features ${RSTSNOOP_PROGRAMS:+--programs "$RSTSNOOP_PROGRAMS"} 2>/dev/null | grep "^$1"; }
