#!/bin/sh
# programs: both
# The self-reset handshake: a client whose SYN-ACKs it rejects itself.
# rawrst badtsecr, in a namespace of its own one veth away, answers the
# client's SYN and its retransmission with SYN-ACKs whose TSecr does not
# echo the SYN's TSval; that namespace's own stack (no socket on the port)
# would send RSTs, which an nftables rule drops.  The client (rstgen,
# tcp_syn_retries 1) rejects each SYN-ACK (TcpExt PAWSActive), resets it,
# and its connect() times out.  Its final handshake_failed must say why:
# cause rejected, count 2 (the RSTs tcpdump saw it send), the reason of
# its RSTs where the kernel has reset reasons (6.10+: TCP_RFC7323_PAWS).
# Twice: as rstsnoop starts by default, and with --no-ttl (which needs no
# packets for any of this).  Then once more with -s: its kernel counters
# show PAWSActive, whose intervals add up to the counter's own delta.
. "$SCENARIO_LIB"

line=$(feature_line "rejected SYN-ACKs: ")
if [ "$CLOSED" = send_reset ]; then want="rejected SYN-ACKs: handshake_failed cause rejected with the count and its RSTs' reason"
else want="rejected SYN-ACKs: handshake_failed cause rejected with the count; no reason before 6.10"; fi
case $line in "$want"*) pass self_reset.features ;; *) fail self_reset.features "got '$line', want '$want...'" ;; esac

SRV=sr$$
make_netns "$SRV" >/dev/null || { fail self_reset "cannot make a namespace"; exit 0; }
ip link add cli$$ type veth peer name srv$$ netns "$SRV" &&
	ip addr add 198.18.7.1/24 dev cli$$ && ip link set cli$$ up &&
	ip -n "$SRV" addr add 198.18.7.2/24 dev srv$$ && ip -n "$SRV" link set srv$$ up ||
	{ fail self_reset "cannot make the veth pair"; exit 0; }
ip netns exec "$SRV" nft add table ip rr &&
	ip netns exec "$SRV" nft add chain ip rr out '{ type filter hook output priority 0; }' &&
	ip netns exec "$SRV" nft add rule ip rr out tcp sport 7620 tcp flags rst drop ||
	{ fail self_reset "cannot add the nftables rule"; exit 0; }
# a SYN and one retransmission, then ETIMEDOUT after about 3 s
sysctl -qw net.ipv4.tcp_syn_retries=1
if [ "$CLOSED" = send_reset ]; then reason=TCP_RFC7323_PAWS; else reason=null; fi

run() { # TAG ARGS...: one connect against the responder, traced by rstsnoop ARGS
	_t=$1
	shift
	start_rstsnoop "$_t" --json "$@" || { fail "self_reset.$_t" "rstsnoop did not start"; return; }
	ip netns exec "$SRV" rawrst badtsecr 198.18.7.2 7620 2 >"$T/$_t.srv" 2>&1 &
	_srv=$!
	wait_for_line "$T/$_t.srv" "ready pid=" || fail "self_reset.$_t" "responder: $(cat "$T/$_t.srv")"
	# -Z root: the VM has no tcpdump user; --immediate-mode, -U: nothing
	# stays in a capture buffer when it is stopped (as topology.sh does)
	tcpdump -Z root --immediate-mode -U -i cli$$ -n -l 'tcp port 7620' >"$T/$_t.cap" \
		2>"$T/$_t.tcpdump" &
	_cap=$!
	wait_for_line "$T/$_t.tcpdump" 'listening on' ||
		fail "self_reset.$_t" "tcpdump did not start: $(cat "$T/$_t.tcpdump")"
	_p0=$(tcpext PAWSActive)
	rstgen connect --addr 198.18.7.2 --port 7620 --count 1 >"$T/$_t.gen" 2>&1
	_paws=$(($(tcpext PAWSActive) - _p0))
	sleep 0.3
	kill -INT $_cap
	wait $_cap
	wait $_srv
	stop_rstsnoop
	expect "self_reset.$_t.status" "exit status" $? 0
	_pid=$(gen_value "$T/$_t.gen" pid)
	expect "self_reset.$_t.client" "rstgen's end" "$(sed -n 's/.*last_error=\([A-Z]*\).*/\1/p' "$T/$_t.gen")" ETIMEDOUT
	expect "self_reset.$_t.kernel" "TcpExt PAWSActive delta" "$_paws" 2
	# tcpdump: the responder's two SYN-ACKs in, the client's two RSTs out
	expect "self_reset.$_t.wire" "SYN-ACKs in, RSTs out" \
		"$(grep -c '198.18.7.2.7620 > 198.18.7.1.[0-9]*: Flags \[S\.\]' "$T/$_t.cap") $(grep -c '198.18.7.1.[0-9]* > 198.18.7.2.7620: Flags \[R\]' "$T/$_t.cap")" "2 2"
	expect "self_reset.$_t.resets" "the client's reset_sent records in SYN_SENT" \
		"$(count "$_t" netns="$HERE" event=reset_sent rport=7620 state=SYN_SENT pid="$_pid" reason="$reason")" "$_paws"
	expect "self_reset.$_t.final" "its handshake_failed: cause rejected, count, reason, ETIMEDOUT" \
		"$(count "$_t" netns="$HERE" event=handshake_failed rport=7620 pid="$_pid" cause=rejected \
			count="$_paws" reason="$reason" error=ETIMEDOUT)" 1
}

run sr
run nottl --no-ttl

start_rstsnoop sum -s 1 --netns "$HERE" || { fail self_reset.summary "rstsnoop did not start"; exit 0; }
ip netns exec "$SRV" rawrst badtsecr 198.18.7.2 7620 2 >"$T/sum.srv" 2>&1 &
srv=$!
wait_for_line "$T/sum.srv" "ready pid=" || fail self_reset.summary "responder: $(cat "$T/sum.srv")"
p0=$(tcpext PAWSActive)
rstgen connect --addr 198.18.7.2 --port 7620 --count 1 >"$T/sum.gen" 2>&1
paws=$(($(tcpext PAWSActive) - p0))
wait $srv
stop_rstsnoop
expect self_reset.summary.status "exit status" $? 0
expect self_reset.summary "PAWSActive over -s's intervals (kernel $paws)" \
	"$(awk '/kernel\/rstsnoop:/ { for (i = 1; i < NF; i++) if ($i == "PAWSActive") s += $(i + 1) } END { print s + 0 }' "$T/sum.out")" "$paws"
