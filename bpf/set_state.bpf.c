// SPDX-License-Identifier: GPL-2.0
/*
 * sock:inet_sock_set_state: learns who owns a socket (connect() and
 * listen() run in the owner's context) and reports handshakes that end in
 * CLOSE.  It runs for every state change of every socket on the host, so
 * it leaves at once for anything but the few transitions it cares about.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "emit.bpf.h"
#include "packet.bpf.h"
#include "sock.bpf.h"

#define ETIMEDOUT 110

/* The fields of one inet_sock_set_state event, read once from ctx. */
struct state_change {
	const struct sock *sk;
	int oldstate;
	int newstate;
	__u16 sport;
	__u16 dport;
	__u16 family;
};

static __always_inline __u8 handshake_cause(const struct state_change *sc, bool got_rst, int err)
{
	if (got_rst)
		return sc->oldstate == TCP_SYN_SENT ? RST_CAUSE_REFUSED : RST_CAUSE_RESET;
	return err == ETIMEDOUT ? RST_CAUSE_TIMEOUT : RST_CAUSE_OTHER;
}

static __always_inline void handshake_failed(struct trace_event_raw_inet_sock_set_state *ctx,
					     const struct state_change *sc,
					     const struct rst_sock_info *si)
{
	struct rst_record rec = {.source = RST_SRC_SET_STATE};
	const struct sock *sk = sc->sk;
	int err = BPF_CORE_READ(sk, sk_err);
	bool got_rst = si && si->got_rst;

	if (!err && !got_rst)
		return; /* the application gave up (close() in SYN_SENT): not a failure */

	rec.event = RST_EV_HANDSHAKE_FAILED;
	rec.side = sc->oldstate == TCP_SYN_SENT ? RST_SIDE_CLIENT : RST_SIDE_SERVER;
	rec.state = sc->oldstate;
	rec.flags |= RST_F_STATE;
	rec.error = err;
	rec.cause = handshake_cause(sc, got_rst, err);
	rec.family = sc->family;
	rec.lport = sc->sport;
	rec.rport = sc->dport;
	copy_state_addrs(&rec, ctx);
	unmap_v4(&rec);
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

/* Leaves the socket's last state and owner for the RST that may follow on
 * this CPU (see rst_closing_ring). */
static __always_inline void remember_closing(const struct state_change *sc,
					     const struct rst_sock_info *si)
{
	struct rst_closing_ring *ring;
	struct rst_closing *slot;
	__u32 zero = 0;

	ring = bpf_map_lookup_elem(&closing, &zero);
	if (!ring)
		return;
	slot = &ring->slot[ring->next++ % CLOSING_SLOTS];
	slot->sk = (__u64)sc->sk;
	slot->prev_state = sc->oldstate;
	slot->has_owner = si && si->has_owner;
	if (slot->has_owner) {
		slot->owner = si->owner;
		slot->role = si->role;
	}
}

static __always_inline void on_close(struct trace_event_raw_inet_sock_set_state *ctx,
				     const struct state_change *sc)
{
	__u64 key = (__u64)sc->sk;
	struct rst_sock_info *si = bpf_map_lookup_elem(&socks, &key);

	if (sc->oldstate == TCP_SYN_SENT || sc->oldstate == TCP_SYN_RECV)
		handshake_failed(ctx, sc, si);
	remember_closing(sc, si);
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
