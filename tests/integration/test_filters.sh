#!/bin/bash
# -p, -c, -P, -4, -6: each keeps exactly the records it names.
. "$(dirname "$0")/../lib.sh"

# Traffic for every filter run: two processes with different names, two
# ports, both families, in one namespace.
traffic() {
	ip netns exec "$1" "$RSTGEN" connect --addr 127.0.0.1 --port 7211 --count 2 --name rt-alpha \
		>"$WORK/alpha" 2>&1
	ip netns exec "$1" "$RSTGEN" connect --addr ::1 --port 7212 --count 3 --name rt-beta \
		>"$WORK/beta" 2>&1
}

filtered() {
	local name=$1 expect_filter=$2 expected=$3 ns nsino
	shift 3
	begin "filter_$name"
	ns=$(make_netns "flt-$name") || { abort "cannot create netns"; finish; return; }
	nsino=$(netns_inode "$ns")
	# -p needs the PID before the process exists: the filter runs are
	# started per case, the PID case uses a pid chosen by exec below.
	start_rstsnoop "flt-$name" --json "$@" || { abort "rstsnoop did not start"; finish; return; }
	traffic "$ns"
	stop_rstsnoop
	want "records kept" "$($QUERY "$WORK/flt-$name.out" count netns="$nsino")" "$expected"
	if [ -n "$expect_filter" ]; then
		# shellcheck disable=SC2086
		want "records matching the filter" "$($QUERY "$WORK/flt-$name.out" count \
			netns="$nsino" $expect_filter)" "$expected"
	fi
	finish
}

filtered none "" 5
filtered comm "comm=rt-beta" 3 -c rt-beta
filtered port "rport=7211" 2 -P 7211
filtered ipv4 "family=ipv4" 2 -4
filtered ipv6 "family=ipv6" 3 -6
filtered port_and_family "" 0 -P 7211 -6

# -p: a process that waits until the tracer runs, so its PID is known first.
begin "filter_pid"
ns=$(make_netns flt-pid)
nsino=$(netns_inode "$ns")
mkfifo "$WORK/go"
ip netns exec "$ns" sh -c "read x <'$WORK/go'; exec '$RSTGEN' connect --port 7211 --count 4 --name rt-pid" \
	>"$WORK/pidgen" 2>&1 &
target=$!
start_rstsnoop flt-pid --json -p "$target" || abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" connect --port 7211 --count 3 --name rt-other >/dev/null 2>&1
echo go >"$WORK/go"
wait $target
stop_rstsnoop
want "rstgen kept the pid" "$(gen_value "$WORK/pidgen" pid)" "$target"
want "records kept" "$($QUERY "$WORK/flt-pid.out" count netns="$nsino")" 4
want "all of that pid" "$($QUERY "$WORK/flt-pid.out" count netns="$nsino" pid="$target")" 4
finish
