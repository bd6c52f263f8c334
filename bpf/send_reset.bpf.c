// SPDX-License-Identifier: GPL-2.0
/*
 * tcp:tcp_send_reset: a RST this host sent, with or without a socket.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "compat.bpf.h"
#include "emit.bpf.h"
#include "rings.bpf.h"
#include "sock.bpf.h"
#include "socketless.bpf.h"

/*
 * The socket's state before the incident and its owner.  close(),
 * disconnect() and abort move a socket to CLOSE just before its RST goes
 * out: the state before, and the owner, were left by that CLOSE transition
 * on this CPU.  Otherwise the socket's own entry, if any, names the owner.
 */
static __always_inline const struct rst_owner *
state_and_owner(const struct sock *sk, int state, struct rst_record *rec, __u8 *role)
{
	const struct rst_closing *closed;
	struct rst_sock_info *si;

	rec->state = state;
	if (state == TCP_CLOSE) {
		closed = recently_closed(sk);
		if (!closed)
			return NULL;
		rec->state = closed->prev_state;
		*role = closed->role;
		return closed->has_owner ? &closed->owner : NULL;
	}
	si = bpf_map_lookup_elem(&socks, &(__u64){(__u64)sk});
	if (!si || !si->has_owner)
		return NULL;
	*role = si->role;
	return &si->owner;
}

/* A listener or request socket refusing a segment that claimed to complete
 * a handshake is a failed handshake; anything else a sent reset. */
static __always_inline void classify_sent(struct rst_record *rec)
{
	switch (rec->state) {
	case TCP_LISTEN:
	case TCP_NEW_SYN_RECV:
	case TCP_SYN_RECV:
		rec->event = RST_EV_HANDSHAKE_FAILED;
		rec->side = RST_SIDE_SERVER;
		rec->cause = RST_CAUSE_RESET;
		break;
	default:
		rec->event = RST_EV_RESET_SENT;
	}
}

SEC("tracepoint/tcp/tcp_send_reset")
int on_send_reset(void *ctx)
{
	struct rst_record rec = {.source = RST_SRC_SEND_RESET};
	struct send_reset_event ev;
	const struct rst_owner *owner;
	const struct sk_buff *skb;
	const struct sock *sk;
	__u8 role = 0;
	int state;

	if (!read_send_reset(ctx, &ev, &rec))
		return 0;
	/* plain locals: CO-RE reads must not go through struct send_reset_event */
	sk = ev.sk;
	skb = ev.skb;
	state = ev.state;
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
	owner = state_and_owner(sk, state, &rec, &role);
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
	classify_sent(&rec);
	emit(&rec);
	return 0;
}
