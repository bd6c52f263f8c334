/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who made a RST, and the connection's last moments: the facts the packet
 * hook (receive_packet.bpf.h) and the firewall-drop hook leave by flow,
 * taken by the record of the socket they concern.
 *
 * tcp_receive_reset and inet_sock_set_state give the socket, never the
 * packet: the RST's TTL, or the ICMP error behind a failed connect(), is
 * only seen where the packet comes in.  The two meet in hash maps keyed by
 * the flow as the socket sees it (this host's end first), not in per-CPU
 * rings: a RST queued to a socket's backlog is handled by release_sock() on
 * the owner's CPU, which need not be the CPU it arrived on.  Only packets
 * from the network go there (loopback carries no hops to judge), so the
 * hash-map cost lands on remote RSTs, SYN-ACKs and ICMP errors alone.
 */
#ifndef RSTSNOOP_WIRE_BPF_H
#define RSTSNOOP_WIRE_BPF_H

#include "emit.bpf.h"
#include "sock.bpf.h"

#define ECONNREFUSED 111
/* ICMP destination-unreachable codes that refuse (RFC 1122, RFC 1812, RFC
 * 4443): port unreachable (3), network and host administratively
 * prohibited (9, 10), communication administratively prohibited (13) ... */
#define ICMP_REFUSALS ((1u << 3) | (1u << 9) | (1u << 10) | (1u << 13))
/* ... and for IPv6: administratively prohibited (1), port unreachable (4),
 * source address failed policy (5), reject route (6) */
#define ICMPV6_REFUSALS ((1u << 1) | (1u << 4) | (1u << 5) | (1u << 6))

/* The maps, wire_rsts, icmp_errors, peer_ttls and reset_flows, and their
 * value types: bpf/maps.bpf.h. */

/* The hops of the peer's genuine packets, where one was seen: which kind
 * of packet, and how long ago. */
static __always_inline void peer_baseline(struct rst_record *rec)
{
	struct rst_peer_key key = {.netns = rec->netns, .family = rec->family};
	const struct rst_peer_ttl *peer;

	__builtin_memcpy(key.addr, rec->raddr, RST_ADDR_LEN);
	peer = bpf_map_lookup_elem(&peer_ttls, &key);
	if (peer) {
		rec->peer_ttl = peer->ttl;
		rec->baseline = peer->kind;
		rec->baseline_age_ms = (bpf_ktime_get_ns() - peer->ts_ns) / 1000000;
		rec->facts |= RST_FACT_PEER_TTL;
	}
}

#define RTF_GATEWAY 0x0002 /* include/uapi/linux/route.h */

/*
 * Whether the route this socket's packets take to raddr goes through a
 * gateway: its cached route (sk_dst_cache, set by connect() or, for an
 * accepted socket, by the handshake).  An off-link peer's packets cross at
 * least one router; a RST "from" it with its initial TTL intact was made
 * on this host's own link.  IPv4: rtable's rt_uses_gateway (a v4-mapped
 * socket routes as IPv4 too); IPv6: RTF_GATEWAY in rt6_info's flags, both
 * present across the kernels rstsnoop supports.  bpf_probe_read_kernel():
 * withdrawn under lockdown=confidentiality, where cfg.route_reads is cleared
 * and the route stays unknown.
 */
static __always_inline void note_route(struct rst_record *rec, const struct sock *sk)
{
	const struct dst_entry *dst;
	__u32 flags;
	__u8 gateway;

	if (!cfg.route_reads)
		return;
	dst = BPF_CORE_READ(sk, sk_dst_cache);
	if (!dst)
		return;
	if (rec->family == AF_INET) {
		gateway = BPF_CORE_READ((const struct rtable *)dst, rt_uses_gateway);
	} else {
		flags = BPF_CORE_READ((const struct rt6_info *)dst, rt6i_flags);
		gateway = (flags & RTF_GATEWAY) != 0;
	}
	rec->facts |= RST_FACT_ROUTE | (gateway ? RST_FACT_OFFLINK : 0);
}

/* A loopback connection: both ends are this host (connect() picks the
 * destination itself as the source of a local route). */
static __always_inline bool is_local_flow(const struct rst_record *rec)
{
	const __u32 *l = (const __u32 *)rec->laddr, *r = (const __u32 *)rec->raddr;

	if (rec->family == AF_INET)
		return (r[0] & bpf_htonl(0xff000000)) == bpf_htonl(0x7f000000) || r[0] == l[0];
	if (!r[0] && !r[1] && !r[2] && r[3] == bpf_htonl(1))
		return true;
	return r[0] == l[0] && r[1] == l[1] && r[2] == l[2] && r[3] == l[3];
}

/*
 * A reject rule answers at once, in the same call that drops the packet
 * (nf_send_reset(), icmp_send()); a mark older than this is another drop's
 * (a plain DROP rule's, say) and says nothing about the RST at hand.
 */
#define FIREWALL_MARK_NS 1000000000ULL

/* A packet of this flow was dropped by this host's netfilter just now (taken). */
static __always_inline bool take_firewall_mark(const struct rst_flow_key *key)
{
	struct rst_firewall_mark *mark = bpf_map_lookup_elem(&firewall_marks, key);
	bool fresh;

	if (!mark)
		return false;
	fresh = bpf_ktime_get_ns() - mark->ts_ns < FIREWALL_MARK_NS;
	bpf_map_delete_elem(&firewall_marks, key);
	return fresh;
}

/* An ICMP error about this flow that came since the socket's connect()
 * (opened_ns 0: not known; the 4-tuple of an earlier connection can be
 * reused). */
static __always_inline struct rst_icmp_error *icmp_error_of(const struct rst_flow_key *key,
							    __u64 opened_ns)
{
	struct rst_icmp_error *icmp = bpf_map_lookup_elem(&icmp_errors, key);

	return icmp && icmp->ts_ns >= opened_ns ? icmp : NULL;
}

/*
 * Who made the RST this socket received: this host's stack (parked,
 * local_stack), its firewall, the network (with the RST's TTL and the
 * peer's genuine one), or a local socket over loopback.
 */
static __always_inline void judge_received_rst(struct rst_record *rec, const struct sock *sk,
					       bool local_stack)
{
	struct rst_flow_key key;
	struct rst_wire_rst *wire;

	if (local_stack) {
		rec->origin = RST_ORIGIN_LOCAL_STACK;
		return;
	}
	flow_key_of(rec, &key);
	if (take_firewall_mark(&key)) {
		rec->origin = RST_ORIGIN_LOCAL_FIREWALL;
		return;
	}
	wire = bpf_map_lookup_elem(&wire_rsts, &key);
	if (wire) {
		rec->ttl = wire->ttl;
		rec->facts |= RST_FACT_TTL;
		bpf_map_delete_elem(&wire_rsts, &key);
	} else if (is_local_flow(rec)) {
		/*
		 * From this host, over loopback, but not parked as the stack's
		 * own: a local socket's RST, or the stack's whose parked copy
		 * this CPU does not hold (the task migrated), or one this kernel
		 * does not show.  Which, this record cannot tell without
		 * guessing; the sender's own reset_sent record names it.
		 */
		rec->origin = RST_ORIGIN_UNKNOWN;
		return;
	}
	rec->origin = RST_ORIGIN_REMOTE;
	peer_baseline(rec);
	note_route(rec, sk);
}

/* An ICMP error about this flow's segments came (kept, not taken). */
static __always_inline bool icmp_error_pending(const struct rst_record *rec, __u64 opened_ns)
{
	struct rst_flow_key key;

	flow_key_of(rec, &key);
	return icmp_error_of(&key, opened_ns);
}

/*
 * A connect() that failed without a RST and not by timeout: an ICMP error
 * about its SYN, and what it was where the packet hook saw it (taken).  Refused when the ICMP error says so: port unreachable
 * or administratively prohibited (what `reject` rules and kube-proxy
 * send), like a RST; unreachable hosts and networks stay errors.
 */
static __always_inline void take_icmp_error(struct rst_record *rec, __u64 opened_ns)
{
	struct rst_flow_key key;
	struct rst_icmp_error *icmp;

	/* Only ICMP errors fail a connect() without a RST (tcp_v4_err):
	 * ECONNREFUSED is port unreachable. */
	rec->facts |= RST_FACT_ICMP;
	if (rec->error == ECONNREFUSED)
		rec->cause = RST_CAUSE_REFUSED;
	flow_key_of(rec, &key);
	if (take_firewall_mark(&key))
		rec->origin = RST_ORIGIN_LOCAL_FIREWALL;
	icmp = icmp_error_of(&key, opened_ns);
	if (!icmp)
		return;
	__builtin_memcpy(rec->icmp_from, icmp->from, RST_ADDR_LEN);
	rec->icmp_type = icmp->type;
	rec->icmp_code = icmp->code;
	rec->ttl = icmp->ttl;
	rec->facts |= RST_FACT_ICMP_SEEN | RST_FACT_TTL;
	bpf_map_delete_elem(&icmp_errors, &key); /* icmp is gone: rec has it */
	if (rec->origin != RST_ORIGIN_LOCAL_FIREWALL) {
		rec->origin = RST_ORIGIN_REMOTE;
		peer_baseline(rec);
	}
	/* codes below 32: a bit each */
	if (rec->icmp_code < 32 &&
	    (rec->family == AF_INET ?
		     rec->icmp_type == 3 && ((1u << rec->icmp_code) & ICMP_REFUSALS) :
		     rec->icmp_type == 1 && ((1u << rec->icmp_code) & ICMPV6_REFUSALS)))
		rec->cause = RST_CAUSE_REFUSED;
}

/* ---- the connection's last moments ------------------------------------ */

#define JIFFIES_TO_MS(j) ((__u32)((__u64)(j) * 1000 / cfg.jiffies_hz))

/*
 * Idle times and bytes from the tcp_sock; age from when connect() or
 * listen() claimed the socket (opened_ns 0: rstsnoop did not see it open).
 * Idle since the last segment received is the kernel's own keepalive
 * measure: the later of the last ACK (rcv_tstamp) and the last data
 * (icsk_ack.lrcvtime).
 */
static __always_inline void conn_context(struct rst_record *rec, const struct sock *sk,
					 __u64 opened_ns)
{
	__u32 now = (__u32)bpf_jiffies64(), rcv_tstamp, lrcvtime, lsndtime, rx, rx_data;
#ifdef RST_BTF_PROGS
	const struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);

	if (!tp)
		return;
	rcv_tstamp = tp->rcv_tstamp;
	lrcvtime = tp->inet_conn.icsk_ack.lrcvtime;
	lsndtime = tp->lsndtime;
	rec->bytes_acked = tp->bytes_acked;
	rec->bytes_received = tp->bytes_received;
#else
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	rcv_tstamp = BPF_CORE_READ(tp, rcv_tstamp);
	lrcvtime = BPF_CORE_READ(tp, inet_conn.icsk_ack.lrcvtime);
	lsndtime = BPF_CORE_READ(tp, lsndtime);
	rec->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
	rec->bytes_received = BPF_CORE_READ(tp, bytes_received);
#endif
	rec->facts |= RST_FACT_BYTES;
	if (cfg.jiffies_hz) {
		rx = now - rcv_tstamp;
		rx_data = now - lrcvtime;
		rec->idle_rx_ms = JIFFIES_TO_MS(rx < rx_data ? rx : rx_data);
		rec->idle_tx_ms = JIFFIES_TO_MS(now - lsndtime);
		rec->facts |= RST_FACT_IDLE;
	}
	if (opened_ns) {
		rec->age_ms = (bpf_ktime_get_ns() - opened_ns) / 1000000;
		rec->facts |= RST_FACT_AGE;
	}
}

/* ---- race evidence ------------------------------------------------------ */

/*
 * A RST from the network closed this connection: remember it for a while.
 * If the peer's own segments still come (it never sent that RST), this
 * host answers them with socket-less RSTs, and check_reset_race() sees it.
 */
static __always_inline void remember_reset_flow(const struct rst_record *rec)
{
	struct rst_reset_flow flow = {
		.cookie = rec->sock_cookie,
		.facts = rec->facts & (RST_FACT_TTL | RST_FACT_PEER_TTL),
		.ttl = rec->ttl,
		.peer_ttl = rec->peer_ttl,
		.baseline = rec->baseline,
		.baseline_age_ms = rec->baseline_age_ms,
	};
	struct rst_flow_key key;

	if (rec->flags & RST_F_OWNER) {
		flow.owner.pid = rec->pid;
		flow.owner.tid = rec->tid;
		flow.owner.uid = rec->uid;
		flow.owner.proc_start_ns = rec->proc_start_ns;
		__builtin_memcpy(flow.owner.comm, rec->comm, RST_COMM_LEN);
		__builtin_memcpy(flow.owner.thread, rec->thread, RST_COMM_LEN);
	}
	flow_key_of(rec, &key);
	map_update(&reset_flows, &key, &flow, BPF_ANY, RST_MAP_RESET_FLOWS);
}

/*
 * rec: a socket-less RST this host sends (this host's end first).  When
 * it answers a segment of a connection a RST from the network closed, the
 * peer still believed in the connection: evidence that something else
 * sent that RST (Weaver, Sommer, Paxson, "Detecting Forged TCP Reset
 * Packets", NDSS 2009).  One reset_race record per connection, at the
 * first such RST, tied to it by its cookie; later ones are only counted.
 */
static __always_inline void check_reset_race(struct rst_record *rec)
{
	struct rst_reset_flow *flow;
	struct rst_flow_key key;

	flow_key_of(rec, &key);
	flow = bpf_map_lookup_elem(&reset_flows, &key);
	if (!flow)
		return;
	if (flow->late_rsts) {
		__sync_fetch_and_add(&flow->late_rsts, 1);
		return;
	}
	/* Two CPUs answering the peer's first two late segments at once may
	 * both get here: a second record, never a lost one. */
	flow->late_rsts = 1;
	/* rec was emitted already: it becomes the race record (stack room) */
	rec->event = RST_EV_RESET_RACE;
	rec->flags &= ~(RST_F_LOCAL_RST | RST_F_REASON);
	rec->sock_cookie = flow->cookie;
	rec->origin = RST_ORIGIN_MIDDLEBOX;
	rec->count = 1;
	/* the hops of the RST that closed the connection, as its record had them */
	rec->facts = RST_FACT_COUNT | flow->facts;
	rec->ttl = flow->ttl;
	rec->peer_ttl = flow->peer_ttl;
	rec->baseline = flow->baseline;
	rec->baseline_age_ms = flow->baseline_age_ms;
	if (flow->owner.pid)
		set_owner(rec, &flow->owner, RST_ATTR_SOCKET_OWNER, 0);
	emit(rec);
}

#endif /* RSTSNOOP_WIRE_BPF_H */
