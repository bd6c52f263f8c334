#!/bin/sh
# programs: both
# Listen drops named for their listener on every kernel, from the
# listeners' own drop counters (sk_drops, read by an iterator each second).
#  1. SYNs a full accept queue drops, which no tracepoint shows: rawrst
#     listens with backlog 0, completes one connection it never accepts,
#     then makes 6 non-blocking connects 100 ms apart and closes them
#     before their SYNs are retransmitted.  Oracles: TcpExt ListenDrops moves by 6, and `ss
#     -tlnm` shows the listener's d6; the listen_drop records' counts add
#     up to that, all for rawrst's pid.
#  2. Final ACKs that find the queue full, on a listener that stays open
#     across reads: sk_drops counts each twice (tcp_listendrop() and
#     tcp_v4_rcv()'s discard_and_relse).  Where --features says
#     skb:kfree_skb accounts for them (rx_sk, 6.11+, BTF-typed programs),
#     the records add up to ListenDrops; elsewhere to twice it, as
#     --features says.
#  3. RSTs to half-open connections of an open listener: sk_drops counts
#     each once, ListenDrops not at all.  Where accounted for: no
#     listen_drop record; elsewhere one count each, as --features says.
#  4. The last read, at stop: a run of -d 1 reads the counters when it
#     starts and when it stops only (the reads are a second apart, and the
#     one due at the deadline is the stop's); 6 SYN drops at once within it.
. "$SCENARIO_LIB"

line=$(feature_line "listen drops: ")
# lockdown=confidentiality withdraws bpf_probe_read_kernel, through which the
# iterator reads the listeners' counters: SYNs dropped for a full queue are
# not seen there, and --features must say so
if [ $LOCKDOWN_CONFIDENTIALITY = 1 ]; then
	case $line in *"SYNs dropped for a full queue: not seen"*) pass listen_full.features ;;
	*) fail listen_full.features "got '$line', want '... SYNs dropped for a full queue: not seen'" ;; esac
	skip listen_full "lockdown=confidentiality: the listeners' sk_drops cannot be read (no iterator)"
	exit 0
fi
case $line in
"listen drops: sk_drops of every listener (BPF iterator, each second)"*) pass listen_full.features ;;
*) fail listen_full.features "got '$line', want 'listen drops: sk_drops of every listener ...'"; exit 0 ;;
esac
case $line in *"counts twice"*) told=0 ;; *) told=1 ;; esac

# the listener's d in `ss -tlnm` (skmem), where ss is there
ss_drops() {
	command -v ss >/dev/null || return 0
	ss -tlnmH "sport = :$1" | sed -n 's/.*skmem:(.*,d\([0-9]*\)).*/\1/p'
}
sum_counts() { # PORT [TAG]: the counts of the listen_drop records of our listener on PORT
	_sum=0
	for _n in $(jsonq "$T/${2:-lf}.out" values count netns="$HERE" event=listen_drop lport="$1"); do
		_sum=$((_sum + _n))
	done
	echo $_sum
}

# the kernel's own RSTs to the SYN-ACKs of rawrst's hand-made handshakes
# (no socket owns their ports) must not reach the listener
nft add table ip rawrst && nft add chain ip rawrst out '{ type filter hook output priority 0; }' &&
	nft add rule ip rawrst out meta mark != 0x7273 tcp sport 41100-41299 tcp flags rst drop ||
	{ fail listen_full "cannot add the nftables rule"; exit 0; }
start_rstsnoop lf --json || { fail listen_full "rstsnoop did not start"; exit 0; }

d0=$(tcpext ListenDrops)
rawrst listenfull 7610 0 1 6 >"$T/syn.gen" 2>&1 &
syn_pid=$!
wait_for_line "$T/syn.gen" "listenfull dropped=" || fail listen_full.syn "rawrst: $(cat "$T/syn.gen")"
sleep 1.5 # a read of the counters while it listens, besides the last one at stop
syn_ss=$(ss_drops 7610)
# rawrst's first socket, its listener: what /proc/PID/fd says it is
syn_ino=$(readlink /proc/$syn_pid/fd/3 | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
syn_drops=$(($(tcpext ListenDrops) - d0))

d0=$(tcpext ListenDrops)
rawrst halfopen 7611 41100 8 ack 8 8 hold >"$T/ack.gen" 2>&1 &
ack_pid=$!
wait_for_line "$T/ack.gen" "halfopen synacks=8" || fail listen_full.ack "rawrst: $(cat "$T/ack.gen")"
sleep 1.5
ack_ss=$(ss_drops 7611)
ack_drops=$(($(tcpext ListenDrops) - d0))

e0=$(tcpext EmbryonicRsts)
d0=$(tcpext ListenDrops)
rawrst halfopen 7612 41200 4 rst 8 0 hold >"$T/rst.gen" 2>&1 &
rst_pid=$!
wait_for_line "$T/rst.gen" "halfopen synacks=4" || fail listen_full.rst "rawrst: $(cat "$T/rst.gen")"
sleep 1.5
rst_ss=$(ss_drops 7612)
rst_resets=$(($(tcpext EmbryonicRsts) - e0))
rst_drops=$(($(tcpext ListenDrops) - d0))

# stopped while the listeners are open: its last read sees them
stop_rstsnoop
expect listen_full.status "exit status" $? 0
kill $syn_pid $ack_pid $rst_pid
wait $syn_pid $ack_pid $rst_pid 2>/dev/null
nft delete table ip rawrst

expect listen_full.syn.kernel "TcpExt ListenDrops delta" "$syn_drops" 6
if [ -n "$syn_ss" ]; then
	expect listen_full.syn.ss "the listener's d in ss -tlnm" "$syn_ss" 6
else
	skip listen_full.syn.ss "ss shows no listener here (no ss, or no tcp_diag module: the VM kernels load only fetch-kernels.sh's VM_MODULES)"
fi
expect listen_full.syn.sum "sum of count over listen_drop records" "$(sum_counts 7610)" "$syn_drops"
n=$(count lf netns="$HERE" event=listen_drop lport=7610)
expect listen_full.syn.owner "listen_drop records naming the listener's pid and inode (of $n)" \
	"$(count lf netns="$HERE" event=listen_drop lport=7610 pid="$syn_pid" sock_ino="$syn_ino")" "$n"
# at most one a second per listener: its drops span 0.5 s, and the
# listener lives about 6 s
expect_le listen_full.syn.rate "listen_drop records of the listener" "$n" 3

expect listen_full.ack.kernel "TcpExt ListenDrops delta" "$ack_drops" 7
[ -n "$ack_ss" ] && expect listen_full.ack.ss "the listener's d in ss -tlnm (twice each)" "$ack_ss" 14
if [ $told = 1 ]; then
	expect listen_full.ack.sum "sum of count over listen_drop records" "$(sum_counts 7611)" "$ack_drops"
else
	expect listen_full.ack.sum "sum of count over listen_drop records (twice each: --features)" \
		"$(sum_counts 7611)" "$((2 * ack_drops))"
fi

expect listen_full.rst.kernel "TcpExt EmbryonicRsts, ListenDrops deltas" "$rst_resets $rst_drops" "4 0"
[ -n "$rst_ss" ] && expect listen_full.rst.ss "the listener's d in ss -tlnm" "$rst_ss" 4
if [ $told = 1 ]; then
	expect listen_full.rst.sum "sum of count over listen_drop records" "$(sum_counts 7612)" 0
else
	expect listen_full.rst.sum "sum of count over listen_drop records (once each: --features)" \
		"$(sum_counts 7612)" "$rst_resets"
fi

start_rstsnoop last --json -d 1 || { fail listen_full.last "rstsnoop did not start"; exit 0; }
d0=$(tcpext ListenDrops)
rawrst listenfull 7613 0 1 6 0 >"$T/last.gen" 2>&1 & # all at once: well inside the second
last_pid=$!
wait_rstsnoop
expect listen_full.last.status "exit status" $? 0
last_drops=$(($(tcpext ListenDrops) - d0))
kill $last_pid
wait $last_pid 2>/dev/null
expect listen_full.last.kernel "TcpExt ListenDrops delta" "$last_drops" 6
expect listen_full.last.sum "sum of count over listen_drop records (read at stop)" \
	"$(sum_counts 7613 last)" "$last_drops"
