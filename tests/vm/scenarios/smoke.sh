#!/bin/sh
# Smoke scenario: proves the harness and tells what the kernel offers.
# Plain POSIX sh with busybox-compatible commands: runs in the VM and on the
# host (in a fresh network namespace, see run-host.sh).
T=/sys/kernel/tracing

echo "smoke: uname -r: $(uname -r)"

if [ -e /sys/kernel/btf/vmlinux ]; then
	echo "PASS smoke.btf"
else
	echo "FAIL smoke.btf: /sys/kernel/btf/vmlinux missing"
fi

if grep -Eq '(^| )lockdown=confidentiality( |$)' /proc/cmdline; then
	echo "SKIP smoke.tracefs: lockdown=confidentiality hides tracefs"
elif [ -d $T/events ]; then
	echo "PASS smoke.tracefs"
else
	echo "FAIL smoke.tracefs: $T/events missing (tracefs not mounted?)"
fi

need_missing=""
for tp in tcp/tcp_send_reset tcp/tcp_receive_reset sock/inet_sock_set_state skb/kfree_skb; do
	if [ -d "$T/events/$tp" ]; then
		echo "smoke: tracepoint $tp: present"
	else
		echo "smoke: tracepoint $tp: MISSING"
		[ "$tp" = skb/kfree_skb ] || need_missing="$need_missing $tp"
	fi
done
if grep -Eq '(^| )lockdown=confidentiality( |$)' /proc/cmdline; then
	echo "SKIP smoke.tracepoints: lockdown=confidentiality hides tracefs"
elif [ -z "$need_missing" ]; then
	echo "PASS smoke.tracepoints"
else
	echo "FAIL smoke.tracepoints: missing$need_missing"
fi

dump_fields() { # event
	f=$T/events/$1/format
	[ -r "$f" ] || return 0
	echo "smoke: $1 format:"
	grep 'field:' "$f" | grep -v 'field:[a-z ]*common_' | sed 's/^[[:space:]]*/smoke:   /'
}
dump_fields tcp/tcp_send_reset
dump_fields skb/kfree_skb

kf=$T/events/skb/kfree_skb/format
if [ -r "$kf" ]; then
	if grep -q 'field:.* reason;' "$kf"; then
		echo "smoke: skb/kfree_skb reason field: yes"
		v=$(sed -n 's/.*{ *\([0-9xa-fA-F]*\), *"NO_SOCKET" *}.*/\1/p' "$kf" | head -n 1)
		echo "smoke: SKB_DROP_REASON_NO_SOCKET = ${v:-not in print fmt}"
	else
		echo "smoke: skb/kfree_skb reason field: no"
	fi
fi

# Real network check, inside this (fresh) network namespace: a connect to a
# closed loopback port must be refused, and the kernel's own counters must
# show exactly one RST sent and one failed attempt.
# (Only the shared helpers: this scenario proves the harness without the
# scenarios' library.)
. "$TEST_COMMON_LIB"
rst0=$(snmp OutRsts) fail0=$(snmp AttemptFails)
err=$(busybox nc 127.0.0.1 7211 </dev/null 2>&1)
rc=$?
rst1=$(snmp OutRsts) fail1=$(snmp AttemptFails)
echo "smoke: nc 127.0.0.1:7211 -> exit $rc: $err"
case "$rc:$err" in
0:*) echo "FAIL smoke.refused: connect to closed port 7211 succeeded" ;;
*[Rr]efused*) echo "PASS smoke.refused" ;;
*) echo "FAIL smoke.refused: unexpected error: $err" ;;
esac
echo "smoke: OutRsts $rst0 -> $rst1, AttemptFails $fail0 -> $fail1"
if [ $((rst1 - rst0)) -eq 1 ] && [ $((fail1 - fail0)) -eq 1 ]; then
	echo "PASS smoke.counters"
else
	echo "FAIL smoke.counters: OutRsts +$((rst1 - rst0)), AttemptFails +$((fail1 - fail0)), want +1 each"
fi

# What the image offers to real scenarios (informational).
for b in rstsnoop rstgen ip nft tcpdump; do
	p=$(command -v $b 2>/dev/null) && echo "smoke: $b: $p" || echo "smoke: $b: not available"
done
if ip netns add smoke$$ 2>/dev/null; then
	ip -n smoke$$ link add name va type veth peer name vb 2>/dev/null &&
		echo "smoke: netns + veth: ok" || echo "smoke: netns ok, veth: NOT available"
	ip netns del smoke$$
else
	echo "smoke: ip netns: NOT available"
fi
exit 0
