/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp:tcp_send_reset, for the classic and the BTF-typed programs: a RST
 * this host sent, with a socket (socket-less ones go to socketless.bpf.h).
 */
#ifndef RSTSNOOP_SEND_RESET_BPF_H
#define RSTSNOOP_SEND_RESET_BPF_H

#include "emit.bpf.h"
#include "packet.bpf.h"
#include "rejected.bpf.h"
#include "rings.bpf.h"
#include "sock.bpf.h"
#include "socketless.bpf.h"
#include "wire.bpf.h"

/*
 * The socket's state before the incident and its owner entry.  close(),
 * disconnect() and abort move a socket to CLOSE just before its RST goes
 * out: the state before was left by that CLOSE transition on this CPU, and
 * the owner entry stays (closed) until another socket takes its slot.
 */
static __always_inline bool state_and_owner(__u64 key, int state, struct rst_record *rec,
					    struct rst_sock_info *si)
{
	rec->state = state;
	if (state == TCP_CLOSE) {
		int prev = recently_closed(key);

		if (prev < 0)
			return false;
		rec->state = prev;
	}
	return owner_lookup(key, si);
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

/*
 * rec: family, addresses, ports (and reason) filled in by the program from
 * its event; sk non-NULL; skb the segment answered, or NULL.
 */
static __always_inline void on_reset_sent(struct rst_record *rec, const struct sock *sk,
					  const struct sk_buff *skb, int state)
{
	struct rst_sock_info si = {};
	__u64 key = sock_key(sk);
	bool own;

	if (state == TCP_LISTEN && skb) {
		/* A listener's own addresses name no peer: take the segment's. */
		__u8 flags;

		read_segment(skb_network_start(skb), skb_data_start(skb), rec, &flags);
	}
	unmap_v4(rec);
	rec->netns = sk_netns(sk);
	rec->sock_cookie = sock_cookie_of(sk, key);
	own = state_and_owner(key, state, rec, &si);
	if (rec->state && rec->state != TCP_CLOSE)
		rec->flags |= RST_F_STATE;
	/* close() orphans the socket only after its RST went out */
	if (is_full_sock(state))
		rec->sock_ino = sock_ino(sk);

	if (!attribute_socket_owner(rec, sk, state, own ? &si.owner : NULL, own ? si.role : 0) &&
	    state == TCP_CLOSE && is_full_sock(rec->state)) {
		/* The kernel puts a socket in CLOSE before an active reset only
		 * in close(), disconnect() and abort, which run in the context
		 * of the task that asked for them. */
		struct rst_owner cur = {};

		owner_from_current(&cur);
		set_owner(rec, &cur, RST_ATTR_CURRENT, 0);
	}
	classify_sent(rec);
	/* still connecting: it refused the peer's SYN-ACK (bpf/rejected.bpf.h) */
	if (state == TCP_SYN_SENT)
		note_rejected_synack(key, rec);
	rec->origin = RST_ORIGIN_LOCAL_SOCKET;
	if (is_full_sock(state) && rec->state != TCP_LISTEN && rec->state != TCP_SYN_SENT &&
	    rec->state != TCP_SYN_RECV)
		conn_context(rec, sk, own ? si.opened_ns : 0);
	emit(rec);
}

#endif /* RSTSNOOP_SEND_RESET_BPF_H */
