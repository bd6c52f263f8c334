#!/bin/sh
# A RST the stack refuses: rawrst sends an established loopback connection
# three RSTs from its peer's end, before and beyond the window and in the
# window but not at rcv_nxt (RFC 5961: a challenge ACK, TcpExt
# TCPChallengeACK).  Each is dropped with a drop reason: one reset_ignored
# record per RST, for the client's socket; the connection survives.
# Oracles: TCPChallengeACK, rawrst's own pid and ports, its data check.
# IPv4 and IPv6.
. "$SCENARIO_LIB"

reset_ignored() { # NAME PORT ADDR [6]
	name=$1 port=$2 addr=$3
	start_rstsnoop "$name" --json || { fail "$name" "rstsnoop did not start"; return; }
	ch0=$(tcpext TCPChallengeACK)
	rawrst ignored "$port" $4 >"$T/$name.gen" 2>&1
	ch=$(($(tcpext TCPChallengeACK) - ch0))
	stop_rstsnoop
	expect "$name.status" "exit status" $? 0
	expect "$name.alive" "the connection carries data after the RSTs" \
		"$(gen_value "$T/$name.gen" alive)" 1
	expect "$name.challenge_ack" "TcpExt TCPChallengeACK delta" "$ch" 1
	lport=$(gen_value "$T/$name.gen" lport) pid=$(gen_value "$T/$name.gen" pid)
	if ! kfree_has 'reason;' 5 17; then
		expect "$name.none" "reset_ignored records" "$(count "$name" event=reset_ignored)" 0
		skip "$name" "skb:kfree_skb has no drop reason on this kernel (came in 5.17, commit c504e5c2f964)"
		return
	fi
	expect "$name.records" "reset_ignored records for the client's end" "$(count "$name" \
		netns="$HERE" event=reset_ignored laddr="$addr" lport="$lport" raddr="$addr" \
		rport="$port")" 3
	expect "$name.challenge" "the in-window RST (challenge ACK), drop reason TCP_RESET" \
		"$(count "$name" netns="$HERE" event=reset_ignored lport="$lport" drop_reason=TCP_RESET)" 1
	if kfree_has 'rx_sk;' 6 11; then
		expect "$name.owner" "records naming rawrst's pid" "$(count "$name" netns="$HERE" \
			event=reset_ignored lport="$lport" pid="$pid" state=ESTABLISHED)" 3
	else
		expect "$name.no_owner" "records without a process" \
			"$(count "$name" netns="$HERE" event=reset_ignored lport="$lport" pid=null)" 3
		skip "$name.owner" "skb:kfree_skb has no rx_sk before 6.11 (commit c53795d48ee8): the refusing socket is not named"
	fi
}
reset_ignored reset_ignored 7500 127.0.0.1
reset_ignored reset_ignored6 7501 ::1 6
line=$(feature_line "ignored RSTs: ")
if ! kfree_has 'reason;' 5 17; then want="ignored RSTs: no (kernel before 5.17"
elif kfree_has 'rx_sk;' 6 11; then want="ignored RSTs: skb:kfree_skb sequence, PAWS and challenge-ACK drop reasons, owner from rx_sk"
elif [ $LOCKDOWN_CONFIDENTIALITY = 1 ]; then want="ignored RSTs: no (lockdown"
else want="ignored RSTs: skb:kfree_skb sequence, PAWS and challenge-ACK drop reasons, owner unknown"; fi
case $line in "$want"*) pass reset_ignored.features ;; *) fail reset_ignored.features "got '$line', want '$want...'" ;; esac
