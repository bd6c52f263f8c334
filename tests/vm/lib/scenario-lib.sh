# shellcheck shell=sh
# Helpers of the scenarios (tests/vm/scenarios/*.sh), which run unchanged in
# the kernel-matrix VMs (busybox, dash) and on the host (run-host.sh, in a
# fresh network namespace).  Plain POSIX sh; sourced, not run:
#   . "$SCENARIO_LIB"
# Needs in PATH: rstsnoop, rstgen, jsonq (tests/tools/), ip; tcpdump where
# a scenario uses it.  Records are matched by field name with jsonq, never
# by field order.  Variables of the helpers start with _ (sh has no locals).
T=${SCENARIO_TMP:?run scenarios through run-scenarios.sh}
RPID=""
ALL_RPIDS=""
NETNS_MADE=""
STARTS=0
trap 'scenario_cleanup' EXIT
scenario_cleanup() {
	for _p in $ALL_RPIDS; do kill -KILL "$_p" 2>/dev/null; done
	for _n in $NETNS_MADE; do ip netns del "$_n" 2>/dev/null; done
}

# A scenario marked "# programs: both" runs twice (run-scenarios.sh): as
# rstsnoop chooses, and with RSTSNOOP_PROGRAMS=classic, which forces the
# classic tracepoint programs; that run's result names start with "classic.".
RESULT_PREFIX=${RSTSNOOP_PROGRAMS:+$RSTSNOOP_PROGRAMS.}
pass() { echo "PASS $RESULT_PREFIX$1"; }
fail() { echo "FAIL $RESULT_PREFIX$1: $2"; }
skip() { echo "SKIP $RESULT_PREFIX$1: $2"; }
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

# make_netns NAME: a fresh namespace with lo up, deleted at exit.
make_netns() {
	ip netns add "$1" || return 1
	NETNS_MADE="$NETNS_MADE $1"
	ip -n "$1" link set lo up
}

# snmp FIELD [NETNS]: a Tcp counter of /proc/net/snmp, found by column name.
SNMP_AWK='$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c[f] }'
snmp() { # (no variables of its own: safe inside any loop)
	if [ $# = 2 ]; then
		ip netns exec "$2" awk -v f="$1" "$SNMP_AWK" /proc/net/snmp
	else
		awk -v f="$1" "$SNMP_AWK" /proc/net/snmp
	fi
}

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

# READY_DIR: where ready files go (default $T); a scenario that runs
# rstsnoop --user sets a folder that user can reach and write.
# start_rstsnoop TAG ARGS...: rstsnoop in the background, output in
# $T/TAG.out and $T/TAG.err (TAG must be new); returns once its ready file
# names the process we started.  The ready file is fresh per start and
# removed first, so nothing of an earlier run can be taken for this one.
start_rstsnoop() {
	_tag=$1
	shift
	if [ -e "$T/$_tag.out" ]; then
		echo "start_rstsnoop: tag $_tag used twice" >&2
		return 1
	fi
	STARTS=$((STARTS + 1))
	READY=${READY_DIR:-$T}/ready.$STARTS
	rm -f "$READY"
	rstsnoop --ready-file "$READY" ${RSTSNOOP_PROGRAMS:+--programs "$RSTSNOOP_PROGRAMS"} "$@" \
		>"$T/$_tag.out" 2>"$T/$_tag.err" &
	RPID=$!
	ALL_RPIDS="$ALL_RPIDS $RPID"
	_i=0
	while [ $_i -lt 3000 ]; do # 60 s: start-up under TCG is slow
		if [ -s "$READY" ]; then
			[ "$(cat "$READY")" = "$RPID" ] && return 0
			echo "start_rstsnoop: $READY names $(cat "$READY"), not $RPID" >&2
			return 1
		fi
		kill -0 $RPID 2>/dev/null || break
		sleep 0.02
		_i=$((_i + 1))
	done
	echo "rstsnoop did not start: $(head -c 300 "$T/$_tag.err")" >&2
	return 1
}

# stop_rstsnoop [SIGNAL]: stop it (default INT) and return its exit status.
stop_rstsnoop() {
	sleep 0.5 # records are handed over every 50 ms; TCG is slow
	kill -"${1:-INT}" $RPID
	wait $RPID
	set -- $?
	RPID=""
	return "$1"
}

# wait_rstsnoop: wait until it exits by itself (-d); returns its status.
wait_rstsnoop() {
	wait $RPID
	set -- $?
	RPID=""
	return "$1"
}

# lost_line TAG: the "lost N records" line on stderr, if any.
lost_line() { grep 'lost' "$T/$1.err"; }

# gen_value FILE KEY: KEY=N from rstgen's (or a client's) last tally line.
gen_value() { sed -n "s/.*[ ]$2=\([0-9]*\).*/\1/p" "$1" | tail -n 1; }

# wait_for_line FILE PATTERN: until FILE (fresh) holds PATTERN; 10 s.
wait_for_line() {
	_i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		[ $_i -lt 200 ] || return 1
		sleep 0.05
		_i=$((_i + 1))
	done
}

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

# tcpext FIELD: a TcpExt counter of this namespace (/proc/net/netstat)
tcpext() { awk -v f="$1" '$1 == "TcpExt:" { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c[f] }' /proc/net/netstat; }

# feature_line PREFIX: rstsnoop's --features line starting with PREFIX
feature_line() { rstsnoop --features ${RSTSNOOP_PROGRAMS:+--programs "$RSTSNOOP_PROGRAMS"} 2>/dev/null | grep "^$1"; }
