#!/bin/bash
# A connection opened before rstsnoop started is reset afterwards: both ends
# are attributed through start-up seeding, by each method.
. "$(dirname "$0")/../lib.sh"

preexisting() {
	local method=$1 ns nsino spid cpid out port=7400
	begin "preexisting_socket_seed_$method"
	ns=$(make_netns "seed-$method") || { abort "cannot create netns"; finish; return; }
	nsino=$(netns_inode "$ns")
	# fresh files per method: a "ready" left by the previous round would
	# let the client connect, and the server be released, too early
	ip netns exec "$ns" "$RSTGEN" serve --port $port --close linger --hold --count 1 \
		--name rt-old-srv >"$WORK/srv-$method" 2>&1 &
	spid=$!
	BG_PIDS+=($spid)
	wait_for_line "$WORK/srv-$method" ready
	ip netns exec "$ns" "$RSTGEN" client --port $port --count 1 --hold --name rt-old-cli \
		>"$WORK/cli-$method" 2>&1 &
	cpid=$!
	BG_PIDS+=($cpid)
	wait_for_line "$WORK/cli-$method" ready
	sleep 0.2 # the server has accepted

	start_rstsnoop "seed-$method" --json --seed "$method" ||
		{ abort "rstsnoop did not start"; finish; return; }
	kill -USR1 $spid
	wait $cpid
	wait $spid
	stop_rstsnoop
	out="$WORK/seed-$method.out"
	case $method in
	iter) want_true "start line names the iterator" grep -q 'bpf-iterator seeded' "$WORK/seed-$method.err" ;;
	proc) want_true "start line names procfs" grep -q 'procfs seeded' "$WORK/seed-$method.err" ;;
	esac
	if [ "$method" = none ]; then
		# Nothing known of either socket: the server's RST is sent inside
		# its close(), so current is the server; the client's RST arrives
		# in softirq, where nobody can be named.
		want "server's reset_sent attributed to current" "$($QUERY "$out" count netns="$nsino" \
			event=reset_sent pid=$spid comm=rt-old-srv attribution=current)" 1
		want "client's reset_received without owner" "$($QUERY "$out" count netns="$nsino" \
			event=reset_received pid=null comm=null attribution=none)" 1
	else
		want "server's reset_sent attributed by seed" "$($QUERY "$out" count netns="$nsino" \
			event=reset_sent pid=$spid comm=rt-old-srv attribution=socket_owner)" 1
		want "client's reset_received attributed by seed" "$($QUERY "$out" count netns="$nsino" \
			event=reset_received pid=$cpid comm=rt-old-cli attribution=socket_owner)" 1
		# who the seeded server is: its command line from /proc at start-up
		want "seeded server's command line" "$($QUERY "$out" values cmdline netns="$nsino" \
			event=reset_sent pid=$spid)" \
			"$RSTGEN serve --port $port --close linger --hold --count 1 --name rt-old-srv"
		want "seeded server's parent and cgroup" "$($QUERY "$out" count netns="$nsino" \
			event=reset_sent pid=$spid ppid=$$ cgroup="$(sed -n 's/^0:://p' /proc/$$/cgroup)")" 1
	fi
	want "records" "$($QUERY "$out" count netns="$nsino")" 2
	finish
}

preexisting iter
preexisting proc
preexisting none

# A listener from before start: children it accepts later belong to it.
begin "preexisting_listener"
ns=$(make_netns seed-listener)
nsino=$(netns_inode "$ns")
ip netns exec "$ns" "$RSTGEN" serve --port 7401 --close unread --count 1 --name rt-old-lsn \
	>"$WORK/lsn" 2>&1 &
spid=$!
BG_PIDS+=($spid)
wait_for_line "$WORK/lsn" ready
start_rstsnoop seed-listener --json || abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" client --port 7401 --count 1 --bytes 5 --name rt-new-cli >/dev/null 2>&1
wait $spid
stop_rstsnoop
want "reset_sent by the old listener's process" "$($QUERY "$WORK/seed-listener.out" count \
	netns="$nsino" event=reset_sent pid=$spid comm=rt-old-lsn attribution=socket_owner)" 1
finish
