#!/bin/sh
# A listener whose accept queue is full when handshakes complete: rawrst
# listens with backlog 8, completes 8 connections it never accepts, then 8
# more by hand (raw SYNs, SYN-ACKs, then their ACKs); the first takes the
# queue's last place, the other 7 ACKs find it full (TcpExt ListenDrops).
# Records are rate-limited per listener: the first drop makes one at once,
# the 6 that follow within the second are reported at stop.  The counts of
# the listen_drop records add up to the ListenDrops delta, and name
# rawrst's pid.  (Fewer than 8 SYNs in flight keep SYN cookies out: a
# cookie's ACK that finds the queue full is consumed without a drop reason,
# seen on 6.18.)
# SYNs dropped because the queue is already full are consumed without a
# drop reason (tcp_rcv_state_process() calls consume_skb() after
# conn_request, measured on 6.1, 6.12 and 6.18): only the listener's sk_drops
# shows them (listen_full.sh).  This scenario makes only drops of the
# handshake's last ACK, seen by skb:kfree_skb; rawrst's listener closes at
# once, before the next read of the listeners' counters.
. "$SCENARIO_LIB"

# The listeners' own counters (listen_full.sh) come first on the line; how
# the handshake's last ACK is seen, after them.
line=$(feature_line "listen drops: ")
if ! kfree_has 'reason;' 5 17; then want="(kernel before 5.17: no drop reasons)"
elif kfree_has TCP_LISTEN_OVERFLOW 6 15; then want="final ACKs on a full queue: skb:kfree_skb TCP_LISTEN_OVERFLOW"
elif kfree_has 'rx_sk;' 6 11; then want="final ACKs on a full queue: skb:kfree_skb NOT_SPECIFIED at a listener"
else want="(skb:kfree_skb has no rx_sk before 6.11)"; fi
# lockdown=confidentiality: no iterator (it reads through
# bpf_probe_read_kernel), so no sk_drops; the drop program says the rest
if [ $LOCKDOWN_CONFIDENTIALITY = 1 ]; then
	want=${want#final ACKs on a full queue: }
	case $line in "listen drops: $want"*"SYNs dropped for a full queue: not seen"*) pass listen_drop.features ;;
	*) fail listen_drop.features "got '$line', want 'listen drops: $want ... SYNs dropped for a full queue: not seen'" ;; esac
else
	case $line in "listen drops: sk_drops of every listener"*"$want"*) pass listen_drop.features ;;
	*) fail listen_drop.features "got '$line', want 'listen drops: sk_drops of every listener ...$want...'" ;; esac
fi
if ! kfree_has 'reason;' 5 17; then
	skip listen_drop "skb:kfree_skb has no drop reason on this kernel (came in 5.17, commit c504e5c2f964)"
	exit 0
fi
if ! kfree_has TCP_LISTEN_OVERFLOW 6 15 && ! kfree_has 'rx_sk;' 6 11; then
	skip listen_drop "no TCP_LISTEN_OVERFLOW (6.15) and no rx_sk (6.11): a full accept queue's drop is NOT_SPECIFIED, not told from others"
	exit 0
fi
# the kernel's own RSTs to the SYN-ACKs of rawrst's hand-made handshakes
# (no socket owns its ports) must not reach the listener
nft add table ip rawrst && nft add chain ip rawrst out '{ type filter hook output priority 0; }' &&
	nft add rule ip rawrst out meta mark != 0x7273 tcp sport 41000-41099 tcp flags rst drop ||
	{ fail listen_drop "cannot add the nftables rule"; exit 0; }
start_rstsnoop ld --json || { fail listen_drop "rstsnoop did not start"; exit 0; }
d0=$(tcpext ListenDrops)
rawrst halfopen 7600 41000 8 ack 8 8 >"$T/ld.gen" 2>&1
d=$(($(tcpext ListenDrops) - d0))
stop_rstsnoop
expect listen_drop.status "exit status" $? 0
nft delete table ip rawrst
pid=$(gen_value "$T/ld.gen" pid)
expect listen_drop.kernel "TcpExt ListenDrops delta" "$d" 7
sum=0
for n in $(jsonq "$T/ld.out" values count netns="$HERE" event=listen_drop lport=7600); do
	sum=$((sum + n))
done
expect listen_drop.sum "sum of count over listen_drop records" "$sum" "$d"
expect listen_drop.rate "listen_drop records: one at once, the rest at stop" \
	"$(count ld netns="$HERE" event=listen_drop lport=7600)" 2
expect listen_drop.owner "listen_drop records naming the listener's pid" \
	"$(count ld netns="$HERE" event=listen_drop lport=7600 pid="$pid")" \
	"$(count ld netns="$HERE" event=listen_drop lport=7600)"
