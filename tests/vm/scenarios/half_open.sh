#!/bin/sh
# Half-open connections reset by the client: rawrst listens, sends 3 SYNs
# by hand and answers each SYN-ACK with a RST.  The request sockets never
# pass inet_sock_set_state; the RSTs are dropped with no reason of their own
# at the listener (rx_sk).  One server-side handshake_failed per RST, for
# the listener's pid, as many as TcpExt EmbryonicRsts counted.
. "$SCENARIO_LIB"

line=$(feature_line "half-open resets: ")
if ! kfree_has 'reason;' 5 17; then want="half-open resets: no (kernel before 5.17"
elif ! kfree_has 'rx_sk;' 6 11; then want="half-open resets: no (skb:kfree_skb has no rx_sk"
else want="half-open resets: skb:kfree_skb NOT_SPECIFIED RST at a listener (rx_sk)"; fi
case $line in "$want"*) pass half_open.features ;; *) fail half_open.features "got '$line', want '$want...'" ;; esac
nft add table ip rawrst && nft add chain ip rawrst out '{ type filter hook output priority 0; }' &&
	nft add rule ip rawrst out meta mark != 0x7273 tcp sport 41000-41099 tcp flags rst drop ||
	{ fail half_open "cannot add the nftables rule"; exit 0; }
start_rstsnoop ho --json || { fail half_open "rstsnoop did not start"; exit 0; }
e0=$(tcpext EmbryonicRsts)
rawrst halfopen 7700 41010 3 rst 8 0 >"$T/ho.gen" 2>&1
e=$(($(tcpext EmbryonicRsts) - e0))
stop_rstsnoop
expect half_open.status "exit status" $? 0
nft delete table ip rawrst
pid=$(gen_value "$T/ho.gen" pid)
expect half_open.kernel "TcpExt EmbryonicRsts delta" "$e" 3
if ! kfree_has 'rx_sk;' 6 11; then
	expect half_open.none "server-side records" "$(count ho netns="$HERE" side=server lport=7700)" 0
	skip half_open "skb:kfree_skb has no rx_sk before 6.11 (commit c53795d48ee8): a request socket's RST is dropped as NOT_SPECIFIED, not told from others"
	exit 0
fi
# the client's end is read from the segment, which lockdown=confidentiality forbids
client=raddr=127.0.0.1
[ $LOCKDOWN_CONFIDENTIALITY = 1 ] && client=raddr=0.0.0.0
expect half_open.records "server-side handshake_failed for the listener's pid" "$(count ho \
	netns="$HERE" event=handshake_failed side=server cause=reset state=SYN_RECV laddr=127.0.0.1 \
	lport=7700 $client pid="$pid")" "$e"
