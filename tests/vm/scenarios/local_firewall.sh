#!/bin/sh
# This host's own firewall refuses a connect: an nftables output rule in
# the scenario's namespace rejects the SYN with a tcp reset, or with an
# ICMP error.  The rule drops the SYN (NF_DROP: skb:kfree_skb reason
# NETFILTER_DROP, with the connecting socket), which marks the flow; the
# client's refused handshake then says rst_origin local_firewall, not a
# refusal by a peer.  Oracles: the rules' own counters, rstgen's pid and
# tally.
. "$SCENARIO_LIB"
N=3
line=$(feature_line "local firewall drops: ")
if kfree_has 'reason;' 5 17; then want="local firewall drops: skb:kfree_skb NETFILTER_DROP"
else want="local firewall drops: no (kernel before 5.17"; fi
case $line in "$want"*) pass local_firewall.features ;; *) fail local_firewall.features "got '$line', want '$want...'" ;; esac

if ! nft add table inet lfw$$ ||
	! nft add chain inet lfw$$ out '{ type filter hook output priority 0; }' ||
	! nft add rule inet lfw$$ out ip daddr 127.0.0.1 tcp dport 7801 counter reject with tcp reset ||
	! nft add rule inet lfw$$ out ip daddr 127.0.0.1 tcp dport 7802 counter reject with icmpx type admin-prohibited; then
	skip local_firewall "cannot add the nftables rules"
	exit 0
fi
rule_packets() { nft list chain inet lfw$$ out | sed -n "s/.*dport $1 counter packets \([0-9]*\).*/\1/p"; }
start_rstsnoop lf --json || { fail local_firewall "rstsnoop did not start"; exit 0; }
rstgen connect --addr 127.0.0.1 --port 7801 --count $N --name lf-rst >"$T/lf-rst.gen" 2>&1
rstgen connect --addr 127.0.0.1 --port 7802 --count $N --name lf-icmp >"$T/lf-icmp.gen" 2>&1
stop_rstsnoop
expect local_firewall.status "exit status" $? 0
expect local_firewall.rule_rst "SYNs the tcp-reset rule rejected (its counter)" "$(rule_packets 7801)" $N
# at least one SYN per connect: on loopback the first ICMP error can find
# the socket owned by connect() (a soft error), and the SYN is sent again
icmp_syns=$(rule_packets 7802)
if [ -n "$icmp_syns" ] && [ "$icmp_syns" -ge $N ]; then pass local_firewall.rule_icmp
else fail local_firewall.rule_icmp "SYNs the ICMP rule rejected (its counter): got '$icmp_syns', want at least $N"; fi
nft delete table inet lfw$$
if ! kfree_has 'reason;' 5 17; then
	expect local_firewall.none "records saying local_firewall" \
		"$(count lf rst_origin=local_firewall)" 0
	skip local_firewall "skb:kfree_skb has no drop reason on this kernel (NETFILTER_DROP came in 5.17, commit c504e5c2f964)"
	exit 0
fi
expect local_firewall.rst "the tcp-reset rule's refusals, rst_origin local_firewall" "$(count lf \
	netns="$HERE" event=handshake_failed side=client cause=refused rst_origin=local_firewall \
	rport=7801 pid="$(gen_value "$T/lf-rst.gen" pid)")" "$(gen_value "$T/lf-rst.gen" refused)"
expect local_firewall.icmp "the ICMP rule's refusals, rst_origin local_firewall" "$(count lf \
	netns="$HERE" event=handshake_failed side=client rst_origin=local_firewall \
	rport=7802 pid="$(gen_value "$T/lf-icmp.gen" pid)")" $N
