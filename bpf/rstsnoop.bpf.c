// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel side of rstsnoop: classic tracepoints only, so it runs where
 * kprobes and fentry are locked down.
 *
 *   sock:inet_sock_set_state  learns who owns a socket (connect()/listen()
 *                             run in the owner's context) and reports
 *                             handshakes that end in CLOSE
 *   tcp:tcp_receive_reset     a RST this host accepted
 *   tcp:tcp_send_reset        a RST this host sent, with or without socket
 *   skb:kfree_skb             (kernels before 6.10 only) a SYN dropped for
 *                             lack of a socket, which the stack answered
 *                             with a RST that tcp_send_reset does not show
 *
 * Helpers live beside it by concern: sock.bpf.h (sockets and owners),
 * packet.bpf.h (addresses and segment headers), rings.bpf.h (per-CPU hand-
 * overs between tracepoints), maps.bpf.h (every map).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "record.h"
#include "maps.bpf.h"
#include "packet.bpf.h"
#include "rings.bpf.h"
#include "sock.bpf.h"

#define ETIMEDOUT 110
#define ECONNREFUSED 111
#define IFF_LOOPBACK 0x8

char LICENSE[] SEC("license") = "GPL";

/* Filters, set by the loader before load (0 / false = no filter). */
const volatile __u32 filter_pid = 0;
const volatile __u16 filter_port = 0;
const volatile __u8 filter_family = 0;
const volatile bool filter_comm_set = false;
const volatile char filter_comm[RST_COMM_LEN] = {};
/* Wake user space only once this much is queued; it polls otherwise. */
const volatile __u64 wakeup_bytes = 256 * 1024;

/*
 * Layout of tcp:tcp_send_reset before Linux 6.10 (class tcp_event_sk_skb).
 * Commit b533fb9cf4f7 ("rstreason: make it work in trace world", 6.10) gave
 * the event its own layout with a reason, and newer BTF may lack the old
 * class altogether, so its fields are described here.  Older kernels lack
 * some of them (Debian 11's 5.10 has `state` but no `family`): each is
 * checked with bpf_core_field_exists.
 */
struct trace_event_raw_tcp_event_sk_skb___pre610 {
	struct trace_entry ent;
	const void *skbaddr;
	const void *skaddr;
	int state;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u8 saddr[4];
	__u8 daddr[4];
	__u8 saddr_v6[16];
	__u8 daddr_v6[16];
} __attribute__((preserve_access_index));

/* skb:kfree_skb got its drop reason in 5.17, commit c504e5c2f964. */
struct trace_event_raw_kfree_skb___reason {
	struct trace_entry ent;
	void *skbaddr;
	void *location;
	unsigned short protocol;
	enum skb_drop_reason reason;
} __attribute__((preserve_access_index));

static __always_inline bool passes_filters(const struct rst_record *rec)
{
	if (filter_family && rec->family != filter_family)
		return false;
	if (filter_port && rec->lport != filter_port && rec->rport != filter_port)
		return false;
	if (filter_pid && (!(rec->flags & RST_F_OWNER) || rec->pid != filter_pid))
		return false;
	if (filter_comm_set) {
		if (!(rec->flags & RST_F_OWNER))
			return false;
		for (int i = 0; i < RST_COMM_LEN; i++) {
			if (rec->comm[i] != filter_comm[i])
				return false;
			if (!rec->comm[i])
				break;
		}
	}
	return true;
}

static __always_inline void emit(struct rst_record *rec)
{
	__u64 flags;
	__u32 zero = 0;
	__u64 *lost;

	if (!passes_filters(rec))
		return;
	rec->ts_ns = bpf_ktime_get_ns();
	/*
	 * A wakeup per record costs a connect storm about 40% of its
	 * throughput; user space polls every few ms instead and is only
	 * woken early when the ring fills up.
	 */
	flags = bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
			BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&records, rec, sizeof(*rec), flags)) {
		lost = bpf_map_lookup_elem(&lost_records, &zero);
		if (lost)
			__sync_fetch_and_add(lost, 1);
	}
}

/* ---- socket-less RSTs answered by this host's own stack ---------------- */

/*
 * A RST for which the kernel had no socket (closed port, stray segment).
 * Answering a SYN that came in over loopback, it goes to a local connect()
 * still in SYN_SENT, whose record takes it (parked); any other socket-less
 * RST, also one to a local TIME_WAIT socket, is a record of its own.
 */
static __always_inline void socketless_reset(struct rst_record *rec, const struct sk_buff *skb,
					     __u8 tcp_flags)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	__u32 netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);

	if ((BPF_CORE_READ(dev, flags) & IFF_LOOPBACK) &&
	    (tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN) {
		park_local_rst(rec, netns);
		return;
	}
	rec->event = RST_EV_RESET_SENT;
	rec->netns = netns;
	rec->flags |= RST_F_LOCAL_RST;
	emit(rec);
}

/* ---- tcp:tcp_send_reset ------------------------------------------------- */

SEC("tracepoint/tcp/tcp_send_reset")
int on_send_reset(void *ctx)
{
	struct rst_record rec = {.source = RST_SRC_SEND_RESET};
	const struct rst_owner *owner = NULL;
	__u8 role = 0;
	const struct rst_closing *stash;
	const struct sock *sk;
	const struct sk_buff *skb;
	int state;

	if (bpf_core_type_exists(struct trace_event_raw_tcp_send_reset)) {
		/* 6.10+: sockaddr-sized addresses and a reason (commit
		 * b533fb9cf4f7), and socket-less RSTs (commit 19822a980e19
		 * "trace: tcp: fully support trace_tcp_send_reset").  saddr is
		 * always the sender's end. */
		struct trace_event_raw_tcp_send_reset *c = ctx;
		struct event_sockaddr src, dst;

		sk = c->skaddr;
		skb = c->skbaddr;
		state = c->state;
		rec.reason = c->reason;
		rec.flags |= RST_F_REASON;
		/* one read per address: every helper call counts on this path */
		bpf_probe_read_kernel(&src, sizeof(src), c->saddr);
		bpf_probe_read_kernel(&dst, sizeof(dst), c->daddr);
		if (src.family != AF_INET && src.family != AF_INET6)
			return 0;
		rec.family = src.family;
		copy_sockaddr(&src, rec.laddr, &rec.lport);
		copy_sockaddr(&dst, rec.raddr, &rec.rport);
	} else {
		struct trace_event_raw_tcp_event_sk_skb___pre610 *c = ctx;

		sk = c->skaddr;
		skb = c->skbaddr;
		state = bpf_core_field_exists(c->state) ? c->state :
							   BPF_CORE_READ(sk, __sk_common.skc_state);
		rec.family = bpf_core_field_exists(c->family) ?
				     c->family : BPF_CORE_READ(sk, __sk_common.skc_family);
		rec.lport = c->sport;
		rec.rport = c->dport;
		copy_event_addrs(&rec, c->saddr, c->daddr, c->saddr_v6, c->daddr_v6);
	}

	if (!sk) {
		if (skb)
			socketless_reset(&rec, skb, segment_flags(skb));
		return 0;
	}
	if (state == TCP_LISTEN && skb) {
		/* A listener's own addresses name no peer: take the segment's. */
		__u8 flags;

		read_segment(skb, BPF_CORE_READ(skb, data), &rec, &flags);
	}

	rec.netns = sk_netns(sk);
	rec.sock_cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	rec.state = state;
	if (state == TCP_CLOSE) {
		/* close()/disconnect() move the socket to CLOSE just before
		 * the RST goes out: the state before, and the owner, were
		 * parked by the CLOSE transition on this CPU. */
		stash = recently_closed(sk);
		if (stash) {
			rec.state = stash->prev_state;
			if (stash->has_owner) {
				owner = &stash->owner;
				role = stash->role;
			}
		}
	} else {
		struct rst_sock_info *si = bpf_map_lookup_elem(&socks, &(__u64){(__u64)sk});

		if (si && si->has_owner) {
			owner = &si->owner;
			role = si->role;
		}
	}
	if (rec.state && rec.state != TCP_CLOSE)
		rec.flags |= RST_F_STATE;
	/* close() orphans the socket only after its RST went out */
	if (is_full_sock(state))
		rec.sock_ino = sock_ino(sk);

	if (!attribute_socket_owner(&rec, sk, state, owner, role) && state == TCP_CLOSE &&
	    is_full_sock(rec.state)) {
		/* The kernel puts a socket in CLOSE before an active reset only
		 * in close(), disconnect() and abort, which run in the context
		 * of the task that asked for them. */
		struct rst_owner cur = {};

		owner_from_current(&cur);
		set_owner(&rec, &cur, RST_ATTR_CURRENT, 0);
	}

	switch (rec.state) {
	case TCP_LISTEN:
	case TCP_NEW_SYN_RECV:
	case TCP_SYN_RECV:
		/* A listener or request socket refusing a segment that
		 * claimed to complete a handshake. */
		rec.event = RST_EV_HANDSHAKE_FAILED;
		rec.side = RST_SIDE_SERVER;
		rec.cause = RST_CAUSE_RESET;
		break;
	default:
		rec.event = RST_EV_RESET_SENT;
	}
	emit(&rec);
	return 0;
}

/* ---- tcp:tcp_receive_reset ---------------------------------------------- */

SEC("tracepoint/tcp/tcp_receive_reset")
int on_receive_reset(struct trace_event_raw_tcp_event_sk *ctx)
{
	struct rst_record rec = {.source = RST_SRC_RECEIVE_RESET};
	const struct sock *sk = ctx->skaddr;
	__u64 key = (__u64)sk;
	struct rst_local_rst local;
	struct rst_sock_info *si;
	bool from_local;
	int state;

	state = BPF_CORE_READ(sk, __sk_common.skc_state);
	rec.family = bpf_core_field_exists(ctx->family) ?
			     ctx->family : BPF_CORE_READ(sk, __sk_common.skc_family);
	rec.lport = ctx->sport;
	rec.rport = ctx->dport;
	copy_event_addrs(&rec, ctx->saddr, ctx->daddr, ctx->saddr_v6, ctx->daddr_v6);
	rec.netns = sk_netns(sk);
	from_local = take_local_rst(&rec, rec.netns, &local);

	si = bpf_map_lookup_elem(&socks, &key);
	if (state == TCP_SYN_SENT || state == TCP_SYN_RECV) {
		/* The handshake fails right after this; its CLOSE transition
		 * writes the one record for this socket. */
		if (!si) {
			struct rst_sock_info fresh = {};

			bpf_map_update_elem(&socks, &key, &fresh, BPF_NOEXIST);
			si = bpf_map_lookup_elem(&socks, &key);
			if (!si)
				return 0;
		}
		si->got_rst = 1;
		if (from_local) {
			si->local_rst = 1;
			si->reason_flags = local.flags;
			si->reason = local.reason;
		}
		return 0;
	}

	rec.event = RST_EV_RESET_RECEIVED;
	rec.state = state;
	rec.flags |= RST_F_STATE;
	/* Where the event carries sock_cookie it generated one; without
	 * the field, read whatever the kernel assigned (0: none yet). */
	rec.sock_cookie = bpf_core_field_exists(ctx->sock_cookie) ?
				  ctx->sock_cookie :
				  BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	attribute_socket_owner(&rec, sk, state, si && si->has_owner ? &si->owner : NULL,
			       si ? si->role : 0);
	rec.sock_ino = sock_ino(sk);
	if (from_local) {
		rec.flags |= RST_F_LOCAL_RST | local.flags;
		rec.reason = local.reason;
	}
	emit(&rec);
	return 0;
}

/* ---- sock:inet_sock_set_state ------------------------------------------- */

/* The fields of one inet_sock_set_state event, read once from ctx. */
struct state_change {
	const struct sock *sk;
	int oldstate;
	int newstate;
	__u16 sport;
	__u16 dport;
	__u16 family;
};

static __always_inline void handshake_failed(struct trace_event_raw_inet_sock_set_state *ctx,
					     const struct state_change *sc,
					     const struct rst_sock_info *si)
{
	struct rst_record rec = {.source = RST_SRC_SET_STATE};
	const struct sock *sk = sc->sk;
	int err = BPF_CORE_READ(sk, sk_err);

	if (!err && !(si && si->got_rst))
		return; /* the application gave up (close() in SYN_SENT): not a failure */

	rec.event = RST_EV_HANDSHAKE_FAILED;
	rec.side = sc->oldstate == TCP_SYN_SENT ? RST_SIDE_CLIENT : RST_SIDE_SERVER;
	rec.state = sc->oldstate;
	rec.flags |= RST_F_STATE;
	rec.error = err;
	if (si && si->got_rst)
		rec.cause = sc->oldstate == TCP_SYN_SENT ? RST_CAUSE_REFUSED : RST_CAUSE_RESET;
	else if (err == ETIMEDOUT)
		rec.cause = RST_CAUSE_TIMEOUT;
	else
		rec.cause = RST_CAUSE_OTHER;

	rec.family = sc->family;
	rec.lport = sc->sport;
	rec.rport = sc->dport;
	copy_state_addrs(&rec, ctx);
	rec.netns = sk_netns(sk);
	rec.sock_cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (si && si->local_rst) {
		rec.flags |= RST_F_LOCAL_RST | si->reason_flags;
		rec.reason = si->reason;
	}
	attribute_socket_owner(&rec, sk, sc->oldstate, si && si->has_owner ? &si->owner : NULL,
			       si ? si->role : 0);
	rec.sock_ino = sock_ino(sk);
	emit(&rec);
}

static __always_inline void on_close(struct trace_event_raw_inet_sock_set_state *ctx,
				     const struct state_change *sc)
{
	__u64 key = (__u64)sc->sk;
	struct rst_sock_info *si = bpf_map_lookup_elem(&socks, &key);
	struct rst_closing_ring *ring;
	__u32 zero = 0;

	if (sc->oldstate == TCP_SYN_SENT || sc->oldstate == TCP_SYN_RECV)
		handshake_failed(ctx, sc, si);

	ring = bpf_map_lookup_elem(&closing, &zero);
	if (ring) {
		struct rst_closing *slot = &ring->slot[ring->next++ % CLOSING_SLOTS];

		slot->sk = key;
		slot->prev_state = sc->oldstate;
		slot->has_owner = si && si->has_owner;
		if (slot->has_owner) {
			slot->owner = si->owner;
			slot->role = si->role;
		}
	}

	if (sc->oldstate == TCP_LISTEN) {
		struct rst_listener_key lk = {.netns = sk_netns(sc->sk), .port = sc->sport};
		struct rst_listener *l = bpf_map_lookup_elem(&listeners, &lk);

		/* SO_REUSEPORT: only the listener that registered the port
		 * takes its entry away. */
		if (l && l->sk == key)
			bpf_map_delete_elem(&listeners, &lk);
	}
	if (si)
		bpf_map_delete_elem(&socks, &key);
}

static __always_inline void on_connect_or_listen(const struct state_change *sc)
{
	struct rst_sock_info si = {};
	__u64 key = (__u64)sc->sk;

	/* connect() and listen() run in the owner's context. */
	owner_from_current(&si.owner);
	si.has_owner = 1;
	si.role = sc->newstate == TCP_LISTEN ? RST_F_SERVER : RST_F_CLIENT;
	bpf_map_update_elem(&socks, &key, &si, BPF_ANY);
	if (sc->newstate == TCP_LISTEN) {
		struct rst_listener_key lk = {.netns = sk_netns(sc->sk), .port = sc->sport};
		struct rst_listener l = {.owner = si.owner, .sk = key};

		bpf_map_update_elem(&listeners, &lk, &l, BPF_ANY);
	}
}

SEC("tracepoint/sock/inet_sock_set_state")
int on_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct state_change sc;

	/* Runs for every state change of every socket on the host: leave
	 * at once for anything that is not one of the few we care about. */
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	sc.newstate = ctx->newstate;
	if (sc.newstate != TCP_SYN_SENT && sc.newstate != TCP_LISTEN && sc.newstate != TCP_CLOSE)
		return 0;
	sc.sk = ctx->skaddr;
	sc.oldstate = ctx->oldstate;
	sc.sport = ctx->sport;
	sc.dport = ctx->dport;
	sc.family = ctx->family;
	if (sc.newstate == TCP_CLOSE)
		on_close(ctx, &sc);
	else
		on_connect_or_listen(&sc);
	return 0;
}

/* ---- skb:kfree_skb: closed-port SYNs on kernels before 6.10 ------------- */

SEC("tracepoint/skb/kfree_skb")
int on_kfree_skb(struct trace_event_raw_kfree_skb___reason *ctx)
{
	struct rst_record rec = {.source = RST_SRC_KFREE_SKB};
	struct sk_buff *skb = ctx->skbaddr;
	__u8 tcp_flags = 0;

	if (ctx->reason != bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NO_SOCKET))
		return 0;
	/* the event stores ntohs(skb->protocol) */
	if (ctx->protocol != 0x0800 && ctx->protocol != 0x86DD)
		return 0;
	if (!read_segment(skb, NULL, &rec, &tcp_flags))
		return 0;
	/* The stack answers everything but a RST with a RST (tcp_v4_send_reset) */
	if (tcp_flags & TCP_FLAG_RST)
		return 0;
	socketless_reset(&rec, skb, tcp_flags);
	return 0;
}
