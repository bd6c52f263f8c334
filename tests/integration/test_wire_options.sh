#!/bin/bash
# The switches of the wire analysis on the host: --no-ttl, and a host that
# keeps no kernel configuration (idle times need its CONFIG_HZ).  The
# analysis itself is tested in tests/vm/scenarios/, on every kernel.
. "$(dirname "$0")/../lib.sh"

# A refusal from another namespace carries the RST's TTL; with --no-ttl
# the packet program is not loaded, and the record says nothing of hops.
begin "no_ttl_turns_the_packet_program_off"
a=$(make_netns nttla)
b=$(make_netns nttlb)
link_netns "$a" "$b" || abort "cannot link namespaces"
bino=$(netns_inode "$b")
start_rstsnoop ttl-on --json || abort "rstsnoop did not start"
ip netns exec "$b" "$RSTGEN" connect --addr 198.18.0.1 --port 7291 --count 2 --name rt-ttl >/dev/null 2>&1
stop_rstsnoop
want "refusals with the RST's TTL (64: one link, no router)" "$($QUERY "$WORK/ttl-on.out" count \
	netns="$bino" event=handshake_failed cause=refused comm=rt-ttl via=rst ttl=64 hops=0 \
	rst_origin=unknown)" 2
start_rstsnoop ttl-off --json --no-ttl || abort "rstsnoop did not start"
ip netns exec "$b" "$RSTGEN" connect --addr 198.18.0.1 --port 7291 --count 2 --name rt-ttl >/dev/null 2>&1
stop_rstsnoop
want "refusals without TTL" "$($QUERY "$WORK/ttl-off.out" count netns="$bino" \
	event=handshake_failed cause=refused comm=rt-ttl ttl=null hops=null rst_origin=unknown)" 2
want "--features says so" "$("$RSTSNOOP" --features --no-ttl 2>/dev/null | sed -n 's/^ttl analysis: //p')" \
	"off (--no-ttl)"
want "the packet program is named by default" \
	"$("$RSTSNOOP" --features 2>/dev/null | grep -c '^ttl analysis: net:netif_receive_skb')" 1
finish

# Without /boot/config-RELEASE and /proc/config.gz (hidden in a mount
# namespace), CONFIG_HZ is unknown: idle times are null, never made up, and
# the bytes still come; --features names the missing configuration.
begin "idle_times_need_the_kernel_configuration"
ns=$(make_netns nohz)
nsino=$(netns_inode "$ns")
cat >"$WORK/noconfig.sh" <<EOS
#!/bin/sh
# same pid throughout: unshare and sh exec
exec unshare -m sh -c 'mount -t tmpfs none /boot &&
	{ [ ! -e /proc/config.gz ] || mount --bind /dev/null /proc/config.gz; } &&
	exec "\$0" "\$@"' "$RSTSNOOP" "\$@"
EOS
chmod +x "$WORK/noconfig.sh"
saved=$RSTSNOOP
RSTSNOOP=$WORK/noconfig.sh
want "--features without a configuration" "$("$RSTSNOOP" --features 2>/dev/null |
	sed -n 's/^connection context: //p')" \
	"bytes, age; idle times unknown (no kernel config to read CONFIG_HZ from)"
ip netns exec "$ns" "$RSTGEN" serve --port 7292 --close linger --count 1 --name rt-srv \
	>"$WORK/nohz.srv" 2>&1 &
BG_PIDS+=($!)
wait_for_line "$WORK/nohz.srv" ready || abort "server did not start"
start_rstsnoop nohz --json || abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" client --port 7292 --bytes 5 --name rt-cli >"$WORK/nohz.cli" 2>&1
stop_rstsnoop
RSTSNOOP=$saved
want "the client's reset: idle unknown" "$($QUERY "$WORK/nohz.out" count \
	netns="$nsino" event=reset_received comm=rt-cli rst_origin=unknown idle_rx_ms=null \
	idle_tx_ms=null)" 1
# (how many of the 5 bytes were acknowledged depends on whether the abort
# beat them: the SYN at least)
want "... bytes known" "$($QUERY "$WORK/nohz.out" count netns="$nsino" event=reset_received \
	comm=rt-cli bytes_acked=null)" 0
start_rstsnoop withhz --json || abort "rstsnoop did not start"
ip netns exec "$ns" "$RSTGEN" serve --port 7293 --close linger --count 1 --name rt-srv \
	>"$WORK/hz.srv" 2>&1 &
BG_PIDS+=($!)
wait_for_line "$WORK/hz.srv" ready || abort "server did not start"
ip netns exec "$ns" "$RSTGEN" client --port 7293 --bytes 5 --name rt-cli >"$WORK/hz.cli" 2>&1
stop_rstsnoop
want "with the configuration, idle times are there" "$($QUERY "$WORK/withhz.out" count \
	netns="$nsino" event=reset_received comm=rt-cli idle_rx_ms=null)" 0
want "... on the same record" "$($QUERY "$WORK/withhz.out" count netns="$nsino" \
	event=reset_received comm=rt-cli)" 1
finish
