/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between kernels in the tracepoints' own layouts and the
 * socket fields every hook reads, behind small accessors, so the programs
 * read straight through.  Each branch is chosen by CO-RE from the running
 * kernel's BTF (never by version: distributions backport) and names the
 * change behind it.  Differences that concern one hook alone stay beside
 * it (the drop reasons in drops.bpf.h, the packet reads in
 * receive_packet.bpf.h); which program set loads at all is the loader's
 * choice (user/tracer.c).
 */
#ifndef RSTSNOOP_COMPAT_BPF_H
#define RSTSNOOP_COMPAT_BPF_H

#include "packet.bpf.h"

/*
 * tcp:tcp_send_reset before Linux 6.10: class tcp_event_sk_skb.  Commit
 * b533fb9cf4f7 ("rstreason: make it work in trace world", 6.10) gave the
 * event its own layout with a reason, and newer BTF lacks the old class
 * altogether (6.18 has no trace_event_raw_tcp_event_sk_skb), so its fields
 * are described here.  Older kernels lack some of them: `state` came in
 * 5.1, `family` in 5.12 (Debian 11's 5.10 has state but no family); each is
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

/* What one tcp:tcp_send_reset event says, in either layout. */
struct send_reset_event {
	const struct sock *sk;	 /* NULL: no socket (6.10+ only) */
	const struct sk_buff *skb; /* the segment answered, or the RST itself */
	int state;		 /* the socket's state as the RST goes out */
};

/*
 * 6.10+: sockaddr-sized addresses and a reason (commit b533fb9cf4f7), and
 * socket-less RSTs too (commit 19822a980e19 "trace: tcp: fully support
 * trace_tcp_send_reset").  saddr is always the sender's end.
 */
static __always_inline bool send_reset_v610(void *ctx, struct send_reset_event *ev,
					    struct rst_record *rec)
{
	struct trace_event_raw_tcp_send_reset *c = ctx;
	struct event_sockaddr src, dst;

	ev->sk = c->skaddr;
	ev->skb = c->skbaddr;
	ev->state = c->state;
	rec->reason = c->reason;
	rec->flags |= RST_F_REASON;
	/* one read per address: every helper call counts on this path */
	bpf_probe_read_kernel(&src, sizeof(src), c->saddr);
	bpf_probe_read_kernel(&dst, sizeof(dst), c->daddr);
	if (src.family != AF_INET && src.family != AF_INET6)
		return false;
	rec->family = src.family;
	copy_sockaddr(&src, rec->laddr, &rec->lport);
	copy_sockaddr(&dst, rec->raddr, &rec->rport);
	return true;
}

/* 4.15 .. 6.9: full sockets only, no reason. */
static __always_inline bool send_reset_pre610(void *ctx, struct send_reset_event *ev,
					      struct rst_record *rec)
{
	struct trace_event_raw_tcp_event_sk_skb___pre610 *c = ctx;
	/* a plain local: CO-RE reads must not go through struct send_reset_event */
	const struct sock *sk = c->skaddr;

	ev->sk = sk;
	ev->skb = c->skbaddr;
	ev->state = bpf_core_field_exists(c->state) ? c->state :
						      BPF_CORE_READ(sk, __sk_common.skc_state);
	rec->family = bpf_core_field_exists(c->family) ?
			      c->family : BPF_CORE_READ(sk, __sk_common.skc_family);
	rec->lport = c->sport;
	rec->rport = c->dport;
	copy_event_addrs(rec, c->saddr, c->daddr, c->saddr_v6, c->daddr_v6);
	return true;
}

/*
 * Decodes a tcp:tcp_send_reset event into ev and the record's family,
 * addresses, ports (this host's end first) and reason.  False for a family
 * rstsnoop does not trace.
 */
static __always_inline bool read_send_reset(void *ctx, struct send_reset_event *ev,
					    struct rst_record *rec)
{
	bool ok;

	if (bpf_core_type_exists(struct trace_event_raw_tcp_send_reset))
		ok = send_reset_v610(ctx, ev, rec);
	else
		ok = send_reset_pre610(ctx, ev, rec);
	if (ok)
		unmap_v4(rec);
	return ok;
}

/* Address family of a tcp_event_sk event (tcp_receive_reset): the field
 * came in 5.12; before, the socket says. */
static __always_inline __u16 tcp_event_sk_family(const struct trace_event_raw_tcp_event_sk *ctx,
						 const struct sock *sk)
{
	return bpf_core_field_exists(ctx->family) ? ctx->family :
						    BPF_CORE_READ(sk, __sk_common.skc_family);
}

/* The socket cookie of a tcp_event_sk event: where the event carries
 * sock_cookie, the kernel generated one for it; else whatever the kernel
 * assigned (0: none yet). */
static __always_inline __u64 tcp_event_sk_cookie(const struct trace_event_raw_tcp_event_sk *ctx,
						 const struct sock *sk)
{
	return bpf_core_field_exists(ctx->sock_cookie) ?
		       ctx->sock_cookie :
		       BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
}

/* The drop reason of skb:kfree_skb is SKB_DROP_REASON_NO_SOCKET.  The enum
 * is renumbered across kernels (2 on 6.1, 3 on 6.18): its value is read
 * from the running kernel's BTF. */
static __always_inline bool dropped_for_no_socket(const struct trace_event_raw_kfree_skb___reason *ctx)
{
	return ctx->reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NO_SOCKET);
}

#endif /* RSTSNOOP_COMPAT_BPF_H */
