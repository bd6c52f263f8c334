#!/bin/sh
# programs: both
# Who should have answered a refused connect: the listener that listened
# on that port before, and how its process ended, and the listeners bound
# to that port elsewhere now.  The oracles are what the test itself knows:
# the pids rstgen prints, the names it gives, the exit status the shell's
# wait returns.  Cases:
#   7231  a collector on 127.0.0.1 that exits with status 3
#   7232  an IPv6-only listener on [::1] while the client dials 127.0.0.1
#   7233  a listener of the port in another network namespace only
#   7234  a listener killed with SIGKILL
#   7235  a listener that existed before rstsnoop started (seeded), then
#         exits with status 7
#   7236  a remote peer's SYN to this host's closed port (the socket-less
#         RST this host sent), whose listener exited with status 5
#   7237  a dual-stack listener on [::] that exited with status 4, while
#         the client dials 127.0.0.1
# Run as records, with --no-ttl and an event filter (internal facts bypass
# filters), as a table, and as --summary of this namespace only.
. "$SCENARIO_LIB"

OTHER=elo$$ PEER=elp$$
make_netns $OTHER >/dev/null || { fail expected_listener "ip netns add failed"; exit 0; }
make_netns $PEER >/dev/null || { fail expected_listener "ip netns add failed"; exit 0; }
OTHER_INO=$(netns_ino $OTHER)
# a veth pair to a peer namespace: its connects reach this namespace from the wire
ip link add name elh$$ type veth peer name elq$$ netns $PEER &&
	ip addr add 198.18.7.1/24 dev elh$$ && ip link set elh$$ up &&
	ip -n $PEER addr add 198.18.7.2/24 dev elq$$ && ip -n $PEER link set elq$$ up ||
	{ fail expected_listener "veth pair could not be made"; exit 0; }

# serve TAG ARGS...: an rstgen server in the background; SERVER_PID is the
# pid it prints once it listens (its own, whatever ran it)
serve() {
	_t=$1
	shift
	"$@" >"$T/$_t.srv" 2>&1 &
	SERVER_JOB=$!
	if ! wait_for_line "$T/$_t.srv" ready; then
		SERVER_PID=""
		return 1
	fi
	SERVER_PID=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$T/$_t.srv")
}

expected_listener() {
	mode=$1 name=expected_listener_$1
	shift
	fmt=--json
	[ "$mode" = text ] && fmt=""
	# before the start: the seeding must find it
	serve "$name.seeded" rstgen serve --addr 127.0.0.1 --port 7235 --name el-seeded \
		--exit-status 7 || { fail "$name" "seeded server not ready"; return; }
	p_seeded=$SERVER_PID j_seeded=$SERVER_JOB
	# shellcheck disable=SC2086 # fmt is one word or none
	start_rstsnoop "$name" $fmt "$@" ||
		{ fail "$name" "rstsnoop did not start"; kill $j_seeded; return; }

	serve "$name.coll" rstgen serve --addr 127.0.0.1 --port 7231 --name el-coll --exit-status 3 ||
		{ fail "$name" "collector not ready"; stop_rstsnoop; return; }
	p_coll=$SERVER_PID j_coll=$SERVER_JOB
	serve "$name.v6" rstgen serve --addr ::1 --port 7232 --name el-v6 ||
		{ fail "$name" "IPv6 server not ready"; stop_rstsnoop; return; }
	p_v6=$SERVER_PID j_v6=$SERVER_JOB
	serve "$name.other" ip netns exec $OTHER rstgen serve --addr 127.0.0.1 --port 7233 \
		--name el-other || { fail "$name" "other namespace's server not ready"; stop_rstsnoop; return; }
	p_other=$SERVER_PID j_other=$SERVER_JOB
	serve "$name.kill" rstgen serve --addr 127.0.0.1 --port 7234 --name el-kill ||
		{ fail "$name" "server to kill not ready"; stop_rstsnoop; return; }
	p_kill=$SERVER_PID j_kill=$SERVER_JOB
	serve "$name.wire" rstgen serve --addr 198.18.7.1 --port 7236 --name el-wire --exit-status 5 ||
		{ fail "$name" "server on the veth not ready"; stop_rstsnoop; return; }
	p_wire=$SERVER_PID j_wire=$SERVER_JOB
	serve "$name.ds" rstgen serve --addr :: --port 7237 --name el-ds --exit-status 4 ||
		{ fail "$name" "dual-stack server not ready"; stop_rstsnoop; return; }
	p_ds=$SERVER_PID j_ds=$SERVER_JOB

	kill -TERM $j_coll
	wait $j_coll
	st_coll=$?
	kill -KILL $j_kill
	wait $j_kill
	st_kill=$?
	kill -TERM $j_seeded
	wait $j_seeded
	st_seeded=$?
	kill -TERM $j_wire
	wait $j_wire
	st_wire=$?
	kill -TERM $j_ds
	wait $j_ds
	st_ds=$?
	expect "$name.oracle" "exit statuses the shell saw" \
		"$st_coll $st_kill $st_seeded $st_wire $st_ds" "3 137 7 5 4"

	for port in 7231 7232 7233 7234 7235 7237; do
		rstgen connect --addr 127.0.0.1 --port $port --name el-agent >>"$T/$name.gen" 2>&1
	done
	ip netns exec $PEER rstgen connect --addr 198.18.7.1 --port 7236 --name el-remote \
		>>"$T/$name.gen" 2>&1
	stop_rstsnoop
	expect "$name.status" "exit status" $? 0
	kill $j_v6 $j_other 2>/dev/null
	wait $j_v6 $j_other 2>/dev/null
	expect "$name.refused" "connects refused" "$(grep -c 'refused=1' "$T/$name.gen")" 7

	case $mode in
	text) text_checks ;;
	summary) summary_checks ;;
	*) record_checks ;;
	esac
}

# refused PORT KEY=VALUE...: refused records of el-agent to 127.0.0.1:PORT here
refused() {
	_port=$1
	shift
	count "$name" netns=$HERE event=handshake_failed cause=refused comm=el-agent \
		raddr=127.0.0.1 rport="$_port" "$@"
}

record_checks() {
	expect "$name.exit_code" "the collector, exit 3" "$(refused 7231 \
		expected_listener.pid=$p_coll expected_listener.comm=el-coll \
		expected_listener.address=127.0.0.1 expected_listener.port=7231 \
		expected_listener.listening=false expected_listener.exit.code=3 \
		"expected_listener.cmdline=rstgen serve --addr 127.0.0.1 --port 7231 --name el-coll --exit-status 3" \
		listeners_elsewhere=[])" 1
	expect "$name.v6_only" "no IPv4 listener, the IPv6-only one elsewhere" "$(refused 7232 \
		expected_listener=null listeners_elsewhere.0.pid=$p_v6 listeners_elsewhere.0.comm=el-v6 \
		listeners_elsewhere.0.family=ipv6 listeners_elsewhere.0.address=::1 \
		listeners_elsewhere.0.listening=true listeners_elsewhere.0.exit=null)" 1
	expect "$name.other_netns" "the listener in the other namespace" "$(refused 7233 \
		expected_listener=null listeners_elsewhere.0.pid=$p_other \
		listeners_elsewhere.0.comm=el-other listeners_elsewhere.0.netns=$OTHER_INO \
		listeners_elsewhere.0.address=127.0.0.1)" 1
	expect "$name.signal" "the killed listener, signal 9" "$(refused 7234 \
		expected_listener.pid=$p_kill expected_listener.comm=el-kill \
		expected_listener.exit.signal=9)" 1
	expect "$name.seeded" "the listener seeded at start, exit 7" "$(refused 7235 \
		expected_listener.pid=$p_seeded expected_listener.comm=el-seeded \
		expected_listener.seen_at_start=true expected_listener.listening_since=null \
		expected_listener.listening=false expected_listener.exit.code=7)" 1
	expect "$name.dual_stack" "the dual-stack listener that took IPv4, exit 4" "$(refused 7237 \
		expected_listener.pid=$p_ds expected_listener.comm=el-ds \
		expected_listener.family=ipv6 expected_listener.address=:: \
		expected_listener.exit.code=4)" 1
	if [ $CLOSED = none ]; then
		skip "$name.remote_syn" "this kernel shows no socket-less RST"
	else
		expect "$name.remote_syn" "this host's RST to the peer's SYN names the listener" \
			"$(count "$name" netns=$HERE event=reset_sent lport=7236 laddr=198.18.7.1 \
			raddr=198.18.7.2 expected_listener.pid=$p_wire expected_listener.comm=el-wire \
			expected_listener.exit.code=5)" 1
	fi
	# the peer's own refusal came from the wire: nothing of ours to name
	expect "$name.remote_client" "the remote client's record asks nothing" "$(count "$name" \
		event=handshake_failed comm=el-remote rport=7236 expected_listener=null \
		listeners_elsewhere=null)" 1
	expect "$name.internal" "no internal record shown" \
		"$(count "$name" event=null)" 0
}

text_checks() {
	expect "$name.exit_code" "DETAIL of the collector's port" \
		"$(grep -c "127\.0\.0\.1:7231 .* was=el-coll\[$p_coll\] exit=3\$" "$T/$name.out")" 1
	expect "$name.v6_only" "DETAIL of the IPv6-only port" \
		"$(grep -c "127\.0\.0\.1:7232 .* was=none now=\[::1\]:7232\$" "$T/$name.out")" 1
	expect "$name.other_netns" "DETAIL of the other namespace's port" \
		"$(grep -c "127\.0\.0\.1:7233 .* was=none now=127\.0\.0\.1:7233@$OTHER_INO\$" "$T/$name.out")" 1
	expect "$name.signal" "DETAIL of the killed listener's port" \
		"$(grep -c "127\.0\.0\.1:7234 .* was=el-kill\[$p_kill\] signal=9\$" "$T/$name.out")" 1
}

# group PORT KEY=VALUE...: el-agent's refused groups to 127.0.0.1:PORT in
# the summary's intervals (a group is an element of an interval's groups)
group() {
	_port=$1 _n=0 _i=0
	shift
	while [ $_i -lt 16 ]; do
		_m=$(count "$name" summary=interval groups.$_i.netns=$HERE groups.$_i.event=handshake_failed \
			groups.$_i.comm=el-agent groups.$_i.raddr=127.0.0.1 groups.$_i.rport="$_port" \
			$(for _kv in "$@"; do printf 'groups.%s.%s ' $_i "$_kv"; done))
		_n=$((_n + _m)) _i=$((_i + 1))
	done
	echo $_n
}

summary_checks() {
	expect "$name.exit_code" "the collector's port's group" "$(group 7231 \
		expected_listener.pid=$p_coll expected_listener.comm=el-coll \
		expected_listener.exit.code=3)" 1
	expect "$name.v6_only" "the IPv6-only port's group" "$(group 7232 \
		expected_listener=null listeners_elsewhere.0.pid=$p_v6)" 1
	expect "$name.other_netns" "the other namespace's port's group" "$(group 7233 \
		listeners_elsewhere.0.pid=$p_other listeners_elsewhere.0.netns=$OTHER_INO)" 1
	expect "$name.signal" "the killed listener's port's group" "$(group 7234 \
		expected_listener.pid=$p_kill expected_listener.exit.signal=9)" 1
}

expected_listener json
expected_listener nottl --no-ttl --event handshake_failed,reset_sent
# seeded from /proc (the kernel refuses iterators, or --seed proc): the
# listener is registered on any address, its close names its own
expected_listener procseed --seed proc
expected_listener text
# only this namespace's groups (the host's others could push them past
# the 16 searched); the other namespace's listener still counts: the
# history's facts pass every filter
expected_listener summary -s 60 --netns "$HERE"
