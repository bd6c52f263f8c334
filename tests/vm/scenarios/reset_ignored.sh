#!/bin/sh
# A RST the stack refuses: rawrst sends an established loopback connection
# three RSTs from its peer's end, before and beyond the window and in the
# window but not at rcv_nxt (RFC 5961: a challenge ACK, TcpExt
# TCPChallengeACK).  Each is dropped with a drop reason: one reset_ignored
# record per RST, for the client's socket; the connection survives.
# Oracles: TCPChallengeACK, rawrst's own pid and ports, its data check.
. "$SCENARIO_LIB"
F=$EV/skb/kfree_skb/format
tcpext() { awk -v f="$1" '$1 == "TcpExt:" { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c[f] }' /proc/net/netstat; }

start_rstsnoop ri --json || { fail reset_ignored "rstsnoop did not start"; exit 0; }
ch0=$(tcpext TCPChallengeACK)
rawrst ignored 7500 >"$T/ri.gen" 2>&1
ch=$(($(tcpext TCPChallengeACK) - ch0))
stop_rstsnoop
expect reset_ignored.status "exit status" $? 0
expect reset_ignored.alive "the connection carries data after the RSTs" "$(gen_value "$T/ri.gen" alive)" 1
expect reset_ignored.challenge_ack "TcpExt TCPChallengeACK delta" "$ch" 1
lport=$(gen_value "$T/ri.gen" lport) pid=$(gen_value "$T/ri.gen" pid)
if ! grep -q 'reason;' "$F" 2>/dev/null && [ $LOCKDOWN_CONFIDENTIALITY = 0 ]; then
	expect reset_ignored.none "reset_ignored records" "$(count ri event=reset_ignored)" 0
	skip reset_ignored "skb:kfree_skb has no drop reason on this kernel (came in 5.17, commit c504e5c2f964)"
	exit 0
fi
expect reset_ignored.records "reset_ignored records for the client's end" "$(count ri netns="$HERE" \
	event=reset_ignored laddr=127.0.0.1 lport="$lport" raddr=127.0.0.1 rport=7500)" 3
expect reset_ignored.challenge "the in-window RST (challenge ACK), drop reason TCP_RESET" \
	"$(count ri netns="$HERE" event=reset_ignored lport="$lport" drop_reason=TCP_RESET)" 1
if grep -q 'rx_sk;' "$F"; then
	expect reset_ignored.owner "records naming rawrst's pid" "$(count ri netns="$HERE" \
		event=reset_ignored lport="$lport" pid="$pid" state=ESTABLISHED)" 3
else
	expect reset_ignored.no_owner "records without a process" \
		"$(count ri netns="$HERE" event=reset_ignored lport="$lport" pid=null)" 3
	skip reset_ignored.owner "skb:kfree_skb has no rx_sk before 6.11 (commit c53795d48ee8): the refusing socket is not named"
fi
