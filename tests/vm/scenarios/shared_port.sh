#!/bin/sh
# programs: both
# Listeners sharing a port: IPv4 and IPv6 ones, and a dual-stack IPv6
# listener taking IPv4.  Each server's reset belongs to its own process
# (the listener table once keyed a port alone, and one server's records
# carried the other's pid).  Started before rstsnoop too, so the seeding
# registers them.
. "$SCENARIO_LIB"

shared_port() {
	when=$1 name=shared_port_$1
	[ "$when" = before ] || start_rstsnoop "$name" --json || { fail "$name" "rstsnoop did not start"; return; }
	rstgen serve --addr 127.0.0.1 --port 7410 --close linger --count 1 --name sp-srv4 >"$T/$name.s4" 2>&1 &
	p4=$!
	rstgen serve --addr ::1 --port 7410 --close linger --count 1 --name sp-srv6 >"$T/$name.s6" 2>&1 &
	p6=$!
	rstgen serve --addr :: --port 7411 --close linger --count 1 --name sp-srvds >"$T/$name.sd" 2>&1 &
	pd=$!
	if ! wait_for_line "$T/$name.s4" ready || ! wait_for_line "$T/$name.s6" ready ||
		! wait_for_line "$T/$name.sd" ready; then
		fail "$name" "servers not ready"
		kill $p4 $p6 $pd 2>/dev/null
		[ "$when" = before ] || stop_rstsnoop
		return
	fi
	[ "$when" = after ] || start_rstsnoop "$name" --json || { fail "$name" "rstsnoop did not start"; kill $p4 $p6 $pd; return; }
	rstgen client --addr 127.0.0.1 --port 7410 --bytes 0 --name sp-cli >/dev/null 2>&1
	rstgen client --addr ::1 --port 7410 --bytes 0 --name sp-cli >/dev/null 2>&1
	rstgen client --addr 127.0.0.1 --port 7411 --bytes 0 --name sp-cli >/dev/null 2>&1
	wait $p4 $p6 $pd
	stop_rstsnoop
	expect "$name.ipv4" "the IPv4 server's reset" "$(count "$name" netns=$HERE event=reset_sent \
		lport=7410 family=ipv4 pid=$p4 comm=sp-srv4)" 1
	expect "$name.ipv6" "the IPv6 server's reset" "$(count "$name" netns=$HERE event=reset_sent \
		lport=7410 family=ipv6 pid=$p6 comm=sp-srv6)" 1
	expect "$name.dual_stack" "the dual-stack server's reset of an IPv4 client" "$(count "$name" \
		netns=$HERE event=reset_sent lport=7411 family=ipv4 dual_stack=true pid=$pd comm=sp-srvds)" 1
	expect "$name.resets" "reset_sent records" "$(count "$name" netns=$HERE event=reset_sent)" 3
}
shared_port after
shared_port before
