/* SPDX-License-Identifier: GPL-2.0 */
/*
 * skb:kfree_skb with a drop reason (Linux 5.17, commit c504e5c2f964), as a
 * BTF-typed program: the segments the stack threw away that say something
 * about a connection.
 *   - RSTs an existing connection refused (out of window, PAWS, RFC 5961's
 *     challenge ACK): reset_ignored.
 *   - This host's netfilter dropping a packet of a local connection (a
 *     reject rule drops the packet it answered): a mark in firewall_marks.
 *   - A listener's accept queue full when a handshake completes
 *     (TCP_LISTEN_OVERFLOW, 6.15+): listen_drop, counted per listener and
 *     rate-limited.
 *   - Where the event carries the receiving socket (rx_sk, 6.11+): a RST
 *     to a half-open (request) socket, a server-side handshake_failed.
 * kfree_skb fires for every packet dropped on the host, so the reason is
 * tested first and anything else leaves at once.  Every reason is read
 * from the running kernel's BTF: the enum is renumbered across kernels.
 *
 * The including file defines RST_BTF_PROGS.
 */
#ifndef RSTSNOOP_DROPS_BPF_H
#define RSTSNOOP_DROPS_BPF_H

#include "emit.bpf.h"
#include "packet.bpf.h"
#include "drops.h"
#include "listen_drops.bpf.h"

#define ETH_P_IP_BE 0x0008   /* htons(0x0800) */
#define ETH_P_IPV6_BE 0xDD86 /* htons(0x86DD) */

/* At most one listen_drop record per listener per interval: a constant,
 * not a loader setting (no option asks for another). */
#define LISTEN_DROP_INTERVAL_NS 1000000000ULL

#define DROP_REASON(name) bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_##name)
#define HAS_DROP_REASON(name) bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_##name)

/*
 * The reasons tcp_validate_incoming() gives a segment it refuses, RSTs
 * included (measured on 6.1, 6.12, 6.18 with an out-of-window RST before
 * and beyond the window and an in-window one not at rcv_nxt):
 * TCP_INVALID_SEQUENCE (5.19, commit da40b613f89c), TCP_RESET (the
 * challenge ACK, same commit), TCP_RFC7323_PAWS; TCP_OLD_SEQUENCE and
 * TCP_INVALID_END_SEQUENCE split cases off INVALID_SEQUENCE later (6.12
 * has the first, 6.18 both).
 */
static __always_inline bool refuses_segment(__u32 reason)
{
	return reason == DROP_REASON(TCP_RESET) || reason == DROP_REASON(TCP_INVALID_SEQUENCE) ||
	       reason == DROP_REASON(TCP_RFC7323_PAWS) ||
	       (HAS_DROP_REASON(TCP_OLD_SEQUENCE) && reason == DROP_REASON(TCP_OLD_SEQUENCE)) ||
	       (HAS_DROP_REASON(TCP_INVALID_END_SEQUENCE) &&
		reason == DROP_REASON(TCP_INVALID_END_SEQUENCE));
}

static __always_inline bool is_ip(const struct sk_buff *skb)
{
	return skb->protocol == ETH_P_IP_BE || skb->protocol == ETH_P_IPV6_BE;
}

/*
 * The segment's network namespace: the socket's where the event names it.
 * Else not from skb->dev: tcp_v4_rcv()/tcp_v6_rcv() clear it before the
 * socket handles the segment (6.1: every reset_ignored record said netns
 * 0), but from the device of its route (early demux or the input route
 * set it, and TCP keeps it until the segment is queued).
 */
static __always_inline __u32 drop_netns(const struct sk_buff *skb, const struct sock *rx_sk)
{
	const struct net_device *dev;
	const struct dst_entry *dst;

	if (rx_sk)
		return sk_netns(rx_sk);
	dev = skb->dev;
	if (dev)
		return dev->nd_net.net->ns.inum;
	dst = (const struct dst_entry *)(skb->_skb_refdst & ~1UL); /* SKB_DST_NOREF */
	return BPF_CORE_READ(dst, dev, nd_net.net, ns.inum);
}

/*
 * emit() as a global function: the verifier checks it once, not at each
 * of the four places that make a record (a static function is checked
 * anew in every caller's context), which keeps the load short on slow
 * machines.  A global function's pointer argument may be NULL; __weak:
 * both drop programs' objects define it, the linker keeps one.
 */
__weak __noinline int drops_emit(struct rst_record *rec)
{
	if (rec)
		emit(rec);
	return 0;
}

/* Whether packet headers are read: cfg.drop_packet_reads (rst_config.h). */

/* The TCP flags of a segment TCP took in: tcp_v{4,6}_fill_cb() copied
 * them into its control block before any socket saw the segment. */
static __always_inline __u8 cb_tcp_flags(const struct sk_buff *skb)
{
	const struct tcp_skb_cb *cb = (const void *)skb->cb;

	return cb->tcp_flags;
}

/*
 * Family, addresses and ports of a dropped segment, this host's end first,
 * and its TCP flags: from the socket that took it where the event names
 * one (rx_sk: no packet read; a listener knows no remote end), else from
 * its headers.
 */
static __always_inline bool drop_segment(const struct sk_buff *skb, const struct sock *rx_sk,
					 struct rst_record *rec, __u8 *tcp_flags)
{
	if (rx_sk) {
		sock_endpoints(rx_sk, rec);
		unmap_v4(rec);
		*tcp_flags = cb_tcp_flags(skb);
		return true;
	}
	return cfg.drop_packet_reads && read_segment(skb_network_start(skb), NULL, rec, tcp_flags);
}

/*
 * A dropped RST: refused by the connection rx_sk (reset_ignored), or, with
 * half_open, one that reset a half-open connection of the listener rx_sk
 * (a server-side handshake_failed, the listener's owner; the client's end
 * is in the segment only, unknown where packets cannot be read).  One
 * function for both, so the verifier checks the owner attribution once.
 */
static __noinline void rst_dropped(const struct sk_buff *skb, __u32 reason,
				   const struct sock *rx_sk, bool half_open)
{
	struct rst_record rec = {};
	struct rst_sock_info si;
	__u8 tcp_flags = 0;
	bool own;
	__u64 key;
	int state;

	if (half_open) {
		if (!cfg.drop_packet_reads ||
		    !read_segment(skb_network_start(skb), NULL, &rec, &tcp_flags))
			drop_segment(skb, rx_sk, &rec, &tcp_flags);
		rec.event = RST_EV_HANDSHAKE_FAILED;
		rec.side = RST_SIDE_SERVER;
		rec.cause = RST_CAUSE_RESET;
		rec.state = TCP_SYN_RECV;
		rec.flags |= RST_F_STATE;
	} else {
		if (!drop_segment(skb, rx_sk, &rec, &tcp_flags) || !(tcp_flags & TCP_FLAG_RST))
			return;
		rec.event = RST_EV_RESET_IGNORED;
		rec.drop_reason = reason;
		rec.facts = RST_FACT_DROP_REASON;
	}
	rec.netns = drop_netns(skb, rx_sk);
	/* Before 6.11 the event does not say which socket refused it
	 * (commit c53795d48ee8 "net: add rx_sk to trace_kfree_skb"). */
	if (rx_sk) {
		state = sk_state(rx_sk);
		key = sock_key(rx_sk);
		if (!half_open) {
			rec.sock_cookie = key;
			if (is_full_sock(state)) {
				rec.state = state;
				rec.flags |= RST_F_STATE;
				rec.sock_ino = sock_ino(rx_sk);
			}
		}
		own = owner_lookup(key, &si);
		attribute_socket_owner(&rec, rx_sk, state, own ? &si.owner : NULL, own ? si.role : 0);
	}
	drops_emit(&rec);
}

/*
 * A packet of a local connection that this host's netfilter dropped (a
 * reject rule drops what it answered): the socket's flow is marked, this
 * host's end first as its records have it, for the record the connection
 * then makes.  Only packets that carry their socket: a locally made one
 * (the SYN of a connect()), or an incoming one that early demux gave its
 * socket.  Full TCP sockets only: request and TIME_WAIT sockets make no
 * records that could take the mark.
 */
static __noinline void firewall_drop(const struct sk_buff *skb)
{
	struct rst_firewall_mark mark = {.ts_ns = bpf_ktime_get_ns()};
	struct rst_record flow = {};
	struct rst_flow_key k;
	const struct sock *sk = skb->sk;

	if (!sk || !is_full_sock(sk_state(sk)) || sk->sk_protocol != IPPROTO_TCP)
		return;
	/* not sock_endpoints(): skb->sk is an RCU pointer, which
	 * bpf_skc_to_tcp_sock() refuses; a live socket's skc_num is its port */
	flow.family = sk->__sk_common.skc_family;
	flow.lport = sk->__sk_common.skc_num;
	flow.rport = bpf_ntohs(sk->__sk_common.skc_dport);
	sock_addrs(sk, &flow);
	unmap_v4(&flow);
	if (!flow.lport) /* a kernel control socket (the stack's own RSTs) */
		return;
	flow.netns = sk_netns(sk);
	flow_key_of(&flow, &k);
	map_update(&firewall_marks, &k, &mark, BPF_ANY, RST_MAP_FIREWALL_MARKS);
}

/*
 * One handshake the listener dropped.  Every drop is counted in the
 * listener's entry; a record says how many since the listener's last one,
 * at most once per LISTEN_DROP_INTERVAL_NS, so a SYN flood makes one
 * record a second per listener.  What no record counted yet is reported
 * by user space at stop, from the map: the counts of all records add up
 * to the drops seen.
 */
static __noinline void listen_drop(const struct sk_buff *skb, __u32 reason,
					const struct sock *rx_sk)
{
	struct rst_record rec = {};
	struct rst_listener_key lk = {};
	struct rst_listen_drops *v;
	__u8 tcp_flags;
	__u64 now, last, total;

	if (!drop_segment(skb, rx_sk, &rec, &tcp_flags))
		return;
	/* counted per port and family (any address) */
	lk.netns = drop_netns(skb, rx_sk);
	lk.port = rec.lport;
	lk.family = rec.family;
	v = bpf_map_lookup_elem(&listen_drops, &lk);
	if (!v) {
		struct rst_listen_drops init = {.drop_reason = reason, .family = rec.family};
		const struct rst_listener *l = find_listener(lk.netns, lk.port, rec.family, rec.laddr);

		__builtin_memcpy(init.laddr, rec.laddr, RST_ADDR_LEN);
		if (l) {
			init.owner = l->owner;
			init.has_owner = 1;
		}
		__builtin_memset(&rec, 0, sizeof(rec));
		rst_listen_drop_record(&rec, &lk, &init);
		init.wanted = passes_filters(&rec);
		map_update(&listen_drops, &lk, &init, BPF_NOEXIST, RST_MAP_LISTEN_DROPS);
		v = bpf_map_lookup_elem(&listen_drops, &lk);
		if (!v) { /* the table is full: a record of its own, nothing lost */
			rec.count = 1;
			drops_emit(&rec);
			return;
		}
	}
	__sync_fetch_and_add(&v->dropped, 1);
	if (!records_armed || !v->wanted)
		return; /* counted: user space reports it at stop */
	now = bpf_ktime_get_ns();
	last = v->last_ns;
	if (last && now - last < LISTEN_DROP_INTERVAL_NS)
		return;
	/* one CPU per interval makes the record */
	if (__sync_val_compare_and_swap(&v->last_ns, last, now) != last)
		return;
	total = v->dropped;
	__builtin_memset(&rec, 0, sizeof(rec)); /* about the listener, not one client */
	rst_listen_drop_record(&rec, &lk, v);
	rec.count = total - v->reported;
	v->reported = total;
	drops_emit(&rec);
}

/*
 * A segment the stack dropped for no stated reason at a listener (rx_sk,
 * 6.11+): tcp_v4_rcv()/tcp_v6_rcv() after tcp_check_req() refused it for a
 * request socket.  A RST there reset a half-open connection (TcpExt
 * EmbryonicRsts; measured on 6.12 and 6.18: NOT_SPECIFIED, rx_sk the
 * listener).  A non-RST while the accept queue is full is the handshake's
 * last ACK finding no room, where the kernel has no TCP_LISTEN_OVERFLOW
 * yet (6.12: NOT_SPECIFIED, measured): a listen drop.
 */
enum listener_drop_kind { LD_NONE, LD_RESET, LD_OVERFLOW, LD_OTHER };

/* LD_NONE: rx_sk is no listener; LD_OTHER: any other segment a listener's
 * half-open connection did not take (tcp_check_req() returned none: a
 * retransmitted SYN or a stray ACK, say) */
static __noinline int listener_drop_kind(const struct sk_buff *skb, const struct sock *rx_sk)
{
	__u8 tcp_flags;

	if (sk_state(rx_sk) != TCP_LISTEN)
		return LD_NONE;
	tcp_flags = cb_tcp_flags(skb);
	if (tcp_flags & TCP_FLAG_RST)
		return LD_RESET;
	if (!HAS_DROP_REASON(TCP_LISTEN_OVERFLOW) && !(tcp_flags & TCP_FLAG_SYN) &&
	    rx_sk->sk_ack_backlog > rx_sk->sk_max_ack_backlog)
		return LD_OVERFLOW;
	return LD_OTHER;
}

/*
 * A segment of one of the listener's half-open connections was dropped
 * after it counted in the listener's sk_drops: n of the increments are
 * not the iterator's to report (see bpf/listen_drops.bpf.h).
 */
static __always_inline void note_listener_excess(const struct sock *listener, __u64 n)
{
	__u64 ino = sock_ino(listener), *v;

	if (!ino)
		return;
	v = bpf_map_lookup_elem(&listener_excess, &ino);
	if (!v) {
		if (!map_update(&listener_excess, &ino, &n, BPF_NOEXIST, RST_MAP_LISTENER_EXCESS))
			return;
		v = bpf_map_lookup_elem(&listener_excess, &ino); /* another CPU made it */
		if (!v)
			return;
	}
	__sync_fetch_and_add(v, n);
}

enum drop_kind { DK_NONE, DK_RESET_IGNORED, DK_FIREWALL, DK_LISTEN, DK_AT_LISTENER, DK_HALF_OPEN };

/*
 * rx_sk: NULL where the event has none (before 6.11) or names no socket.
 * Every handler has one call site: the verifier checks a static function
 * anew at each, and the load time on slow machines counts (20 starts of
 * ready_restarts under TCG).
 */
static __always_inline void on_drop(const struct sk_buff *skb, __u32 reason,
				    const struct sock *rx_sk)
{
	int kind = DK_NONE;

	if (refuses_segment(reason))
		kind = DK_RESET_IGNORED;
	else if (reason == DROP_REASON(NETFILTER_DROP))
		kind = DK_FIREWALL;
	else if (HAS_DROP_REASON(TCP_LISTEN_OVERFLOW) && reason == DROP_REASON(TCP_LISTEN_OVERFLOW))
		kind = DK_LISTEN;
	else if (rx_sk && reason == DROP_REASON(NOT_SPECIFIED))
		kind = DK_AT_LISTENER;
	if (kind == DK_NONE || !is_ip(skb))
		return;
	if (kind == DK_AT_LISTENER) {
		int at = listener_drop_kind(skb, rx_sk);

		/* tcp_v4_rcv()'s discard_and_relse counted it in the listener's
		 * sk_drops; a final ACK that found the queue full counted there
		 * in tcp_listendrop() too, and is this program's listen drop */
		if (at != LD_NONE)
			note_listener_excess(rx_sk, at == LD_OVERFLOW ? 2 : 1);
		kind = at == LD_RESET ? DK_HALF_OPEN : at == LD_OVERFLOW ? DK_LISTEN : DK_NONE;
	} else if (kind == DK_LISTEN && rx_sk) {
		note_listener_excess(rx_sk, 2); /* TCP_LISTEN_OVERFLOW: the same two */
	}
	if (kind == DK_RESET_IGNORED || kind == DK_HALF_OPEN)
		rst_dropped(skb, reason, rx_sk, kind == DK_HALF_OPEN);
	else if (kind == DK_FIREWALL)
		firewall_drop(skb);
	else if (kind == DK_LISTEN)
		listen_drop(skb, reason, rx_sk);
}

#endif /* RSTSNOOP_DROPS_BPF_H */
