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

# A TCP port nothing listens on now, on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Cgroups of the test's own, under CGTOP in the cgroup2 mount CGROOT
# (empty where there is none):
#   cgroups_init TOP       CGROOT, and CGTOP=TOP; cleanup_cgroups at exit
#   run_in_cgroup PATH CMD...   CMD in the cgroup PATH (made here)
cgroups_init() {
	CGROOT=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
	CGTOP=$1
	trap cleanup_cgroups EXIT
}
# the harness's cleanup, then the test's cgroups, children first
cleanup_cgroups() {
	cleanup
	[ -n "$CGROOT" ] && [ -d "$CGROOT$CGTOP" ] &&
		find "$CGROOT$CGTOP" -depth -type d -exec rmdir {} \; 2>/dev/null
}
run_in_cgroup() {
	local cg=$1
	shift
	mkdir -p "$CGROOT$cg" || return 1
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CGROOT$cg" "$@"
}

# Podman with the test's own storage and configuration under $WORK, so no
# host state is used or left: podman_config first, then podman_here ARGS...
podman_config() {
	cat >"$WORK/containers.conf" <<'CONF'
[containers]
# within this sandbox's limits (podman's defaults are above them)
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
[engine]
# crun refuses the hybrid cgroup layouts; runc and cgroupfs work everywhere
cgroup_manager = "cgroupfs"
runtime = "runc"
CONF
}
podman_here() {
	CONTAINERS_CONF=$WORK/containers.conf podman --root "$WORK/podman/root" \
		--runroot "$WORK/podman/run" --storage-driver vfs "$@"
}
