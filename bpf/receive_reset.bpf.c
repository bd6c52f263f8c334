// SPDX-License-Identifier: GPL-2.0
/*
 * tcp:tcp_receive_reset: a RST this host accepted.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "compat.bpf.h"
#include "emit.bpf.h"
#include "rings.bpf.h"
#include "sock.bpf.h"

/*
 * A RST during the handshake: the handshake fails right after this, and
 * its CLOSE transition writes the one record for this socket.  Leave it
 * what it needs to say: that a RST came, and whether this host's own stack
 * sent it.
 */
static __always_inline void note_handshake_rst(__u64 key, struct rst_sock_info *si,
					       bool from_local, const struct rst_local_rst *local)
{
	if (!si) {
		struct rst_sock_info fresh = {};

		bpf_map_update_elem(&socks, &key, &fresh, BPF_NOEXIST);
		si = bpf_map_lookup_elem(&socks, &key);
		if (!si)
			return;
	}
	si->got_rst = 1;
	if (from_local) {
		si->local_rst = 1;
		si->reason_flags = local->flags;
		si->reason = local->reason;
	}
}

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
	rec.family = tcp_event_sk_family(ctx, sk);
	rec.lport = ctx->sport;
	rec.rport = ctx->dport;
	copy_event_addrs(&rec, ctx->saddr, ctx->daddr, ctx->saddr_v6, ctx->daddr_v6);
	unmap_v4(&rec);
	rec.netns = sk_netns(sk);
	from_local = take_local_rst(&rec, rec.netns, &local);

	si = bpf_map_lookup_elem(&socks, &key);
	if (state == TCP_SYN_SENT || state == TCP_SYN_RECV) {
		note_handshake_rst(key, si, from_local, &local);
		return 0;
	}

	rec.event = RST_EV_RESET_RECEIVED;
	rec.state = state;
	rec.flags |= RST_F_STATE;
	rec.sock_cookie = tcp_event_sk_cookie(ctx, sk);
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
