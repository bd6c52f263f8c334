/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp:tcp_receive_reset, for the classic and the BTF-typed program: a RST
 * this host accepted.
 */
#ifndef RSTSNOOP_RECEIVE_RESET_BPF_H
#define RSTSNOOP_RECEIVE_RESET_BPF_H

#include "emit.bpf.h"
#include "packet.bpf.h"
#include "rings.bpf.h"
#include "sock.bpf.h"
#include "wire.bpf.h"

/*
 * rec: family, addresses and ports filled in by the program; key: the
 * socket's owner-table key, cookie: its cookie (0: none), as the program
 * has them.  During a
 * handshake the socket moves to CLOSE right after (tcp_reset() calls
 * tcp_done()), and that transition writes the one record for the socket:
 * this only leaves it the facts of the RST.
 */
static __always_inline void on_reset_received(struct rst_record *rec, const struct sock *sk,
					      __u64 key, __u64 cookie)
{
	struct rst_local_rst local = {};
	struct rst_sock_info si = {};
	bool from_local, own;
	int state = sk_state(sk);

	unmap_v4(rec);
	rec->netns = sk_netns(sk);
	from_local = take_local_rst(rec, &local);
	if (state == TCP_SYN_SENT || state == TCP_SYN_RECV) {
		note_handshake_rst(key, from_local, &local);
		return;
	}

	rec->event = RST_EV_RESET_RECEIVED;
	rec->state = state;
	rec->flags |= RST_F_STATE;
	rec->sock_cookie = cookie;
	own = owner_lookup(key, &si);
	attribute_socket_owner(rec, sk, state, own ? &si.owner : NULL, own ? si.role : 0);
	rec->sock_ino = sock_ino(sk);
	if (from_local) {
		rec->flags |= RST_F_LOCAL_RST | local.flags;
		rec->reason = local.reason;
	}
	judge_received_rst(rec, sk, from_local);
	conn_context(rec, sk, own ? si.opened_ns : 0);
	emit(rec);
	if (rec->origin == RST_ORIGIN_REMOTE)
		remember_reset_flow(rec);
}

#endif /* RSTSNOOP_RECEIVE_RESET_BPF_H */
