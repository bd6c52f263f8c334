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
# tests/lib/common.sh: results, counters, waiting, namespaces, rstsnoop's
# start and stop.  Namespaces are named rst<pid>-NAME ($$ is the same in
# the subshells of $(make_netns NAME)).
TEST_OUT=$WORK
NETNS_PREFIX="rst$$-"
. "$TOP/tests/lib/common.sh"
BG_PIDS=()

cleanup() {
	local p
	# (bash's "Killed" notices of what we kill here are not test output)
	{
		for p in "${BG_PIDS[@]}"; do
			kill -KILL "$p"
		done
		common_cleanup
		wait
	} 2>/dev/null
	if [ -n "${RSTSNOOP_TEST_KEEP:-}" ]; then
		echo "kept $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

# check NAME CONDITION-DESCRIPTION -- command...: PASS when the command succeeds.
check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
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
