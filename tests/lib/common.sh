# shellcheck shell=sh
# The helpers every shell test shares: the integration tests (tests/lib.sh,
# bash), the scenarios (tests/vm/lib/scenario-lib.sh, run by dash in the
# kernel-matrix VMs and on the host) and the bench scripts.  Plain POSIX sh,
# sourced, not run; busybox's applets are enough.  One definition of each:
#
#   pass NAME | fail NAME WHY | skip NAME WHY   one result line
#   snmp FIELD [NETNS]          a Tcp counter of /proc/net/snmp
#   tcpext FIELD [NETNS]        a TcpExt counter of /proc/net/netstat
#   wait_until SECONDS CMD...   poll CMD until it succeeds or the deadline
#   wait_for_line FILE PATTERN [SECONDS]   FILE holds a line matching PATTERN
#   make_netns NAME             a namespace with lo up; prints its name
#   start_rstsnoop TAG ARGS...  rstsnoop in the background, ready
#   stop_rstsnoop [SIGNAL]      stop it, return its exit status
#   wait_rstsnoop               wait until it exits by itself (-d)
#   gen_value FILE KEY          KEY=N from rstgen's last tally line
#   kill_at_exit PID...         common_cleanup kills these too
#   common_cleanup              kill what start_rstsnoop started, delete
#                               what make_netns made (the harness's trap)
#
# The harness sets before use:
#   TEST_OUT      a fresh directory: rstsnoop's TAG.out/TAG.err, ready files
#   RSTSNOOP      the binary (default: rstsnoop from PATH)
#   NETNS_PREFIX  put before every make_netns NAME (default empty)
#   STOP_SETTLE   seconds stop_rstsnoop lets pass before the signal
#   RESULT_PREFIX put before every result name (default empty)
# Variables of these helpers start with _ (sh has no locals); the state they
# keep is RSTSNOOP_PID (the rstsnoop started last) and READY (its ready file).

RSTSNOOP=${RSTSNOOP:-rstsnoop}
NETNS_PREFIX=${NETNS_PREFIX:-}
RESULT_PREFIX=${RESULT_PREFIX:-}
# The one waiting rule: poll every 50 ms up to a deadline.  A line from a
# helper process or server gets WAIT_SECS; rstsnoop's start gets START_SECS
# (loading and verifying the programs takes tens of seconds under TCG).  A
# passing test never waits the whole deadline, so they are generous.
WAIT_SECS=${WAIT_SECS:-10}
START_SECS=${START_SECS:-60}
# Records reach the ring buffer as the kernel makes them, and rstsnoop reads
# the ring once more when it stops; this lets what is still in flight
# (softirq on another CPU, a timer) reach the ring first.
STOP_SETTLE=${STOP_SETTLE:-0.2}
RSTSNOOP_PID=""
_KILL_AT_EXIT=""
_STARTS=0

pass() { echo "PASS $RESULT_PREFIX$1"; }
fail() { echo "FAIL $RESULT_PREFIX$1: $2"; }
skip() { echo "SKIP $RESULT_PREFIX$1: $2"; }

# _counter SECTION FIELD [NETNS]: a counter of /proc/net/snmp ("Tcp:") or
# /proc/net/netstat ("TcpExt:"), found by column name, never by position.
_COUNTER_AWK='$1 == s { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c[f] }'
_counter() {
	case $1 in Tcp:) set -- "$1" "$2" /proc/net/snmp "${3:-}" ;; *) set -- "$1" "$2" /proc/net/netstat "${3:-}" ;; esac
	if [ -n "$4" ]; then
		ip netns exec "$4" awk -v s="$1" -v f="$2" "$_COUNTER_AWK" "$3"
	else
		awk -v s="$1" -v f="$2" "$_COUNTER_AWK" "$3"
	fi
}
snmp() { _counter Tcp: "$@"; }
tcpext() { _counter TcpExt: "$@"; }

# wait_until SECONDS CMD...: runs CMD every 50 ms until it succeeds (0) or
# SECONDS have passed (1).  CMD is tried once more at the deadline, so a
# slow poll cannot lose the last chance.
wait_until() {
	_deadline=$(($(date +%s) + $1 + 1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_deadline" ] || { "$@"; return; }
		sleep 0.05
	done
}

# wait_for_line FILE PATTERN [SECONDS]: until FILE holds a line matching
# PATTERN (grep), e.g. a server's "ready"; SECONDS default WAIT_SECS.  FILE
# must be fresh: an old line is there until the new writer truncates it.
wait_for_line() { wait_until "${3:-$WAIT_SECS}" grep -q "$2" "$1" 2>/dev/null; }

# make_netns NAME: a fresh namespace $NETNS_PREFIX$NAME with lo up, deleted
# by common_cleanup; prints its name.  The names are kept in a file, so a
# namespace made in $(...) is deleted too.
make_netns() {
	_ns=$NETNS_PREFIX$1
	ip netns add "$_ns" || return 1
	echo "$_ns" >>"${TEST_OUT:?}/.netns"
	ip -n "$_ns" link set lo up
	echo "$_ns"
}

# start_rstsnoop TAG ARGS...: $RSTSNOOP ARGS in the background (with
# --programs $RSTSNOOP_PROGRAMS when that is set), output in
# $TEST_OUT/TAG.out and .err (TAG must be new); returns once its ready file
# names the process we started.  The ready file is fresh per start (in
# READY_DIR, default TEST_OUT) and removed first, so nothing of an earlier
# run can be taken for this one.  Sets RSTSNOOP_PID and READY.
start_rstsnoop() {
	_tag=$1
	shift
	if [ -e "${TEST_OUT:?}/$_tag.out" ]; then
		echo "start_rstsnoop: tag $_tag used twice" >&2
		return 1
	fi
	_STARTS=$((_STARTS + 1))
	READY=${READY_DIR:-$TEST_OUT}/ready.$_STARTS
	rm -f "$READY"
	"$RSTSNOOP" --ready-file "$READY" ${RSTSNOOP_PROGRAMS:+--programs "$RSTSNOOP_PROGRAMS"} "$@" \
		>"$TEST_OUT/$_tag.out" 2>"$TEST_OUT/$_tag.err" &
	RSTSNOOP_PID=$!
	kill_at_exit "$RSTSNOOP_PID"
	wait_until "$START_SECS" _ready_or_gone
	if [ -s "$READY" ]; then
		[ "$(cat "$READY")" = "$RSTSNOOP_PID" ] && return 0
		echo "start_rstsnoop: $READY names $(cat "$READY"), not $RSTSNOOP_PID" >&2
		return 1
	fi
	echo "rstsnoop did not start: $(head -c 300 "$TEST_OUT/$_tag.err")" >&2
	return 1
}
_ready_or_gone() { [ -s "$READY" ] || ! kill -0 "$RSTSNOOP_PID" 2>/dev/null; }

# stop_rstsnoop [SIGNAL]: stop it (default INT) and return its exit status.
stop_rstsnoop() {
	sleep "$STOP_SETTLE"
	kill -"${1:-INT}" "$RSTSNOOP_PID"
	wait_rstsnoop
}

# wait_rstsnoop: wait until it exits (by itself, e.g. -d); its status.
wait_rstsnoop() {
	wait "$RSTSNOOP_PID"
	set -- $?
	RSTSNOOP_PID=""
	return "$1"
}

# gen_value FILE KEY: the N of KEY=N in rstgen's (or a client's) last tally
# line, e.g. "rstgen: ... pid=N".
gen_value() { sed -n "s/.*[ ]$2=\([0-9]*\).*/\1/p" "$1" | tail -n 1; }

kill_at_exit() { _KILL_AT_EXIT="$_KILL_AT_EXIT $*"; }

common_cleanup() {
	for _p in $_KILL_AT_EXIT; do kill -KILL "$_p" 2>/dev/null; done
	if [ -n "${TEST_OUT:-}" ] && [ -f "$TEST_OUT/.netns" ]; then
		while read -r _n; do ip netns del "$_n" 2>/dev/null; done <"$TEST_OUT/.netns"
		rm -f "$TEST_OUT/.netns"
	fi
}
