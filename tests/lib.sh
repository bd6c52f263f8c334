# Shared helpers of the integration tests (bash).  Each test prints
#   PASS name | FAIL name: why | SKIP name: why
# and tests/run.sh counts those lines.
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/build}
RSTSNOOP=${RSTSNOOP:-$OUT/rstsnoop}
RSTGEN=${RSTGEN:-$OUT/rstgen}
# jsonq FILE count|values|valid ...: records by field name (tests/tools/jsonq.c)
QUERY=${JSONQ:-$OUT/jsonq}
WORK=$(mktemp -d /tmp/rstsnoop-test.XXXXXX)
BG_PIDS=()
RST_PID=""
STARTS=0

cleanup() {
	local p ns
	for p in "${BG_PIDS[@]}" $RST_PID; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	# make_netns runs in $(...): its names are found by this run's prefix
	# ($$ is the same in subshells)
	# (ip netns list complains about namespaces others delete meanwhile)
	for ns in $(ip netns list 2>/dev/null | awk -v p="rst$$-" 'index($1, p) == 1 { print $1 }'); do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${RSTSNOOP_TEST_KEEP:-}" ]; then
		echo "kept $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# check NAME CONDITION-DESCRIPTION -- command...: PASS when the command succeeds.
check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

# A fresh network namespace with lo up; prints its name.
make_netns() {
	local ns="rst$$-$1"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	echo "$ns"
}

netns_inode() { stat -L -c %i "/run/netns/$1"; }

# Two namespaces joined by a veth pair: $1 gets 198.18.0.1 and 2001:db8::1,
# $2 gets 198.18.0.2 and 2001:db8::2.  No routes beyond the pair.
link_netns() {
	local a=$1 b=$2
	ip link add "va$$" netns "$a" type veth peer name "vb$$" netns "$b" || return 1
	ip -n "$a" addr add 198.18.0.1/24 dev "va$$"
	ip -n "$b" addr add 198.18.0.2/24 dev "vb$$"
	ip -n "$a" addr add 2001:db8::1/64 dev "va$$" nodad
	ip -n "$b" addr add 2001:db8::2/64 dev "vb$$" nodad
	ip -n "$a" link set "va$$" up
	ip -n "$b" link set "vb$$" up
}

# Starts rstsnoop with ARGS, output to $WORK/$1.out and .err (a new TAG per
# start); returns once its ready file, fresh per start and removed first,
# names the process we started: a line in a reused log could be the
# previous run's.  Sets RST_PID.
start_rstsnoop() {
	local tag=$1 ready
	shift
	if [ -e "$WORK/$tag.out" ]; then
		echo "start_rstsnoop: tag $tag used twice" >&2
		return 1
	fi
	ready=$WORK/ready.$((++STARTS))
	rm -f "$ready"
	"$RSTSNOOP" --ready-file "$ready" "$@" >"$WORK/$tag.out" 2>"$WORK/$tag.err" &
	RST_PID=$!
	for _ in $(seq 1 1000); do
		if [ -s "$ready" ]; then
			[ "$(cat "$ready")" = "$RST_PID" ] && return 0
			echo "start_rstsnoop: $ready names $(cat "$ready"), not $RST_PID" >&2
			return 1
		fi
		kill -0 "$RST_PID" 2>/dev/null || break
		sleep 0.01
	done
	echo "rstsnoop did not start: $(head -c 300 "$WORK/$tag.err")" >&2
	return 1
}

# Waits (up to 5 s) until FILE holds a line matching PATTERN, e.g. a
# server's "ready".
wait_for_line() {
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Stops rstsnoop with a signal (default INT); returns its exit status.
stop_rstsnoop() {
	local sig=${1:-INT} rc
	# records are handed over every 50 ms: let the last batch be polled
	sleep 0.2
	kill -"$sig" "$RST_PID"
	wait "$RST_PID"
	rc=$?
	RST_PID=""
	return $rc
}

# rstgen's final line "rstgen: ... pid=N": value of KEY in it.
gen_value() { sed -n "s/.*\b$2=\([0-9]*\).*/\1/p" "$1" | tail -n 1; }

# Kernel counter from /proc/net/snmp (Tcp) of a namespace: snmp NS FIELD
snmp() {
	ip netns exec "$1" awk -v f="$2" '
		$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == "Tcp:" && h { print $(col[f]) }' /proc/net/snmp
}

# Reason names of this kernel, or empty: tests expect reasons only there.
kernel_has_reasons() { "$RSTSNOOP" --features 2>/dev/null | grep -q '^reset reasons: yes'; }

# One scenario with several assertions:
#   begin NAME; want "what" ACTUAL EXPECTED; ...; finish
# The first failed assertion names the FAIL; a scenario that cannot run
# here calls skip_scenario WHY.
begin() { CUR=$1; ERR=""; SKIPPED=""; }
want() {
	[ -n "$ERR" ] && return 0
	[ "$2" = "$3" ] || ERR="$1: got '$2', want '$3'"
}
# want_true "what" command...: the command must succeed
want_true() {
	local what=$1
	shift
	[ -n "$ERR" ] && return 0
	"$@" || ERR="$what"
}
abort() { [ -n "$ERR" ] || ERR="$1"; }
skip_scenario() { SKIPPED=$1; }
finish() {
	if [ -n "$SKIPPED" ]; then skip "$CUR" "$SKIPPED"
	elif [ -n "$ERR" ]; then fail "$CUR" "$ERR"
	else pass "$CUR"; fi
}
