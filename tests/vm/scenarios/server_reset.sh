#!/bin/sh
# programs: both
# An established connection reset by a local server (SO_LINGER {1,0}, and
# close with unread data): the server's reset_sent and the client's
# reset_received, each for its own process; reasons where the kernel has
# them (6.12 renumbered them: names come from BTF).
. "$SCENARIO_LIB"

server_reset() {
	how=$1 port=$2 name=server_reset_$1
	start_rstsnoop "$name" --json || { fail "$name" "rstsnoop did not start"; return; }
	rstgen serve --port $port --close "$how" --count 1 --name mx-server >"$T/$name.srv" 2>&1 &
	spid=$!
	if ! wait_for_line "$T/$name.srv" ready; then
		fail "$name" "server not ready after 10 s: $(cat "$T/$name.srv")"
		kill $spid
		stop_rstsnoop
		return
	fi
	# linger: no data, or it may reach the server after its close and draw
	# a second, socket-less RST; unread: the data is what the close drops
	bytes=0
	[ "$how" = unread ] && bytes=10
	rstgen client --port $port --count 1 --bytes $bytes --name mx-client >"$T/$name.cli" 2>&1
	wait $spid
	stop_rstsnoop
	expect "$name.status" "exit status" $? 0
	cpid=$(gen_value "$T/$name.cli" pid)
	expect "$name.client_saw_reset" "client's reset count" "$(gen_value "$T/$name.cli" reset)" 1
	expect "$name.sent" "reset_sent by the server" "$(count "$name" netns=$HERE event=reset_sent \
		pid=$spid comm=mx-server attribution=socket_owner state=ESTABLISHED family=ipv4 \
		laddr=127.0.0.1 lport=$port raddr=127.0.0.1)" 1
	expect "$name.received" "reset_received by the client" "$(count "$name" netns=$HERE \
		event=reset_received pid="$cpid" comm=mx-client attribution=socket_owner \
		state=ESTABLISHED family=ipv4 laddr=127.0.0.1 raddr=127.0.0.1 rport=$port)" 1
	expect "$name.total" "records in this netns" "$(count "$name" netns=$HERE)" 2
	expect "$name.sock_ino" "server records without a socket inode" \
		"$(count "$name" netns=$HERE event=reset_sent sock_ino=null)" 0
	jsonq "$T/$name.out" values reason netns=$HERE event=reset_sent pid=$spid >"$T/reason-$how"
}
server_reset linger 7300
server_reset unread 7301
if [ $CLOSED = send_reset ]; then
	expect reasons.unread "unread-data close" "$(cat "$T/reason-unread")" TCP_ABORT_ON_CLOSE
	expect reasons.linger "linger close" "$(cat "$T/reason-linger")" TCP_STATE
else
	expect reasons.none "reasons without kernel support" \
		"$(cat "$T/reason-linger" "$T/reason-unread" | tr '\n' ' ')" 'null null '
fi
