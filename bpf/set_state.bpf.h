/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sock:inet_sock_set_state, for the classic and the BTF-typed program:
 * learns who owns a socket (connect() and listen() run in the owner's
 * context) and reports handshakes that end in CLOSE.  It runs for every
 * state change of every socket on the host, so each program leaves at once
 * for anything but the few transitions handled here.  Two programs per
 * set: the hot one (connect(), a child's birth, every CLOSE, and the
 * record of a handshake a RST ended) and the rare one it tail-calls
 * (rare_paths()), which the verifier checks apart and the refused and
 * reset paths never enter.
 */
#ifndef RSTSNOOP_SET_STATE_BPF_H
#define RSTSNOOP_SET_STATE_BPF_H

#include "emit.bpf.h"
#include "packet.bpf.h"
#include "rejected.bpf.h"
#include "rings.bpf.h"
#include "sock.bpf.h"
#include "wire.bpf.h"

#define ETIMEDOUT 110
#define EHOSTUNREACH 113
#define ENETUNREACH 101
#define EHOSTDOWN 112

/* What both programs read from their event, once. */
struct state_change {
	const struct sock *sk;
	__u64 key; /* the owner table's key of sk */
	int oldstate;
	int newstate;
	__u16 sport;
	__u16 dport;
	__u16 family;
};

/* Each program's file defines how its event gives the addresses, and the
 * address a listener is bound to (its local one: all zero for any). */
static __always_inline void state_change_addrs(void *ctx, const struct state_change *sc,
					       struct rst_record *rec);
static __always_inline void listener_addr(void *ctx, const struct state_change *sc, __u8 *addr);

static __always_inline void listener_key_of(void *ctx, const struct state_change *sc,
					    struct rst_listener_key *lk)
{
	__builtin_memset(lk, 0, sizeof(*lk));
	lk->netns = sk_netns(sc->sk);
	lk->port = sc->sport;
	lk->family = sc->family;
	listener_addr(ctx, sc, lk->addr);
}

/*
 * A listener opened or closed (RST_EV_LISTEN_OPEN, _CLOSE): an internal
 * record for user space's listener history, with the bound address in
 * laddr (all zero: any) and the port in lport; the caller names the owner
 * (set_owner()) where it knows one, and emits it (emit_internal()).  Built
 * in fact_scratch: the program's other paths leave no room on the stack.
 * Rare (listen(), a listener's close): off the hot paths.  NULL: no room.
 */
static __always_inline struct rst_record *listener_fact(void *ctx, const struct state_change *sc,
							__u8 event)
{
	__u32 zero = 0;
	struct rst_record *rec = bpf_map_lookup_elem(&fact_scratch, &zero);

	if (!rec)
		return NULL;
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->event = event;
	rec->family = sc->family;
	rec->lport = sc->sport;
	listener_addr(ctx, sc, rec->laddr);
	rec->netns = sk_netns(sc->sk);
	rec->sock_cookie = sock_cookie_of(sc->sk, sc->key);
	rec->sock_ino = sock_ino(sc->sk);
	rec->state = TCP_LISTEN;
	rec->flags |= RST_F_STATE;
	return rec;
}

/* SYN_RECV: a listener's child is born, which matters only where the
 * owner table is keyed by address (see on_child_born()). */
static __always_inline bool is_tracked_transition(int newstate)
{
	return newstate == TCP_SYN_SENT || newstate == TCP_LISTEN || newstate == TCP_CLOSE ||
	       (newstate == TCP_SYN_RECV && !cfg.keys_are_cookies);
}

static __always_inline __u8 handshake_cause(const struct state_change *sc, bool got_rst, int err)
{
#ifdef RST_MUTATE_REFUSED_AS_RESET /* mutation smoke: a refused connect called a reset */
	if (got_rst)
		return RST_CAUSE_RESET;
#endif
	if (got_rst)
		return sc->oldstate == TCP_SYN_SENT ? RST_CAUSE_REFUSED : RST_CAUSE_RESET;
	return err == ETIMEDOUT ? RST_CAUSE_TIMEOUT : RST_CAUSE_OTHER;
}

/* The flow of a handshake's record: this host's end first, the wire's
 * family (a v4-mapped socket's is IPv4). */
static __always_inline void handshake_flow(void *ctx, const struct state_change *sc,
					   struct rst_record *rec)
{
	rec->family = sc->family;
	rec->lport = sc->sport;
	rec->rport = sc->dport;
	state_change_addrs(ctx, sc, rec);
	unmap_v4(rec);
	rec->netns = sk_netns(sc->sk);
}

/*
 * The rest of a failed handshake's record (its flow is in rec already):
 * rst is the RST that ended it (NULL: none came, an ICMP error or a
 * timeout did), own its owner entry (NULL: unknown).
 */
static __always_inline void handshake_facts(const struct state_change *sc, struct rst_record *rec,
					    int err, const struct rst_handshake_rst *rst,
					    const struct rst_sock_info *own)
{
	const struct sock *sk = sc->sk;
	bool got_rst = rst != NULL;

	rec->event = RST_EV_HANDSHAKE_FAILED;
	rec->side = sc->oldstate == TCP_SYN_SENT ? RST_SIDE_CLIENT : RST_SIDE_SERVER;
	rec->state = sc->oldstate;
	rec->flags |= RST_F_STATE;
	rec->error = err;
	rec->cause = handshake_cause(sc, got_rst, err);
	/* no RST from the peer: did this socket reject its SYN-ACKs? */
	if (!got_rst && sc->oldstate == TCP_SYN_SENT)
		take_rejected_synacks(sc->key, rec);
	rec->sock_cookie = sock_cookie_of(sk, sc->key);
	if (got_rst && rst->local) {
		rec->flags |= RST_F_LOCAL_RST | rst->rst.flags;
		rec->reason = rst->rst.reason;
	}
	if (got_rst)
		judge_received_rst(rec, sk, rst->local);
	else if (err != ETIMEDOUT)
		take_icmp_error(rec, own ? own->opened_ns : 0);
	attribute_socket_owner(rec, sk, sc->oldstate, own ? &own->owner : NULL,
			       own ? own->role : 0);
	rec->sock_ino = sock_ino(sk);
}

/*
 * The hot path: a RST ended the handshake (a refused connect, a reset
 * one), taken from handshake_rsts.  slot: the socket's owner slot, looked
 * up once for the whole CLOSE run.  The record is filled in place.
 */
static __always_inline void handshake_reset(void *ctx, const struct state_change *sc,
					    const struct rst_handshake_rst *rst,
					    const struct rst_owner_slot *slot)
{
	struct rst_sock_info si;
	bool own = owner_copy(slot, sc->key, &si);
	struct rst_record *rec = record_open();

	if (!rec)
		return;
	handshake_flow(ctx, sc, rec);
	handshake_facts(sc, rec, sk_error(sc->sk), rst, own ? &si : NULL);
	record_close(rec);
}

/* A rare path: the handshake ended in CLOSE without a RST (an ICMP error,
 * a timeout, rejected SYN-ACKs, or the application gave up). */
static __always_inline void handshake_failed_without_rst(void *ctx, const struct state_change *sc)
{
	struct rst_record rec = {};
	struct rst_sock_info si = {};
	const struct sock *sk = sc->sk;
	int err = sk_error(sk);
	/* CLOSE released the slot already, which keeps the owner */
	bool own = owner_lookup(sc->key, &si);

	handshake_flow(ctx, sc, &rec);
	if (!err) {
		/*
		 * An ICMP error that came while the application held the
		 * socket (inside connect(), on a fast path) is only a soft
		 * error (tcp_v4_err()); the application reads it with
		 * SO_ERROR, which clears it, and closes: node and curl do.
		 * The ICMP error the packet program saw says so then.
		 */
		err = sk_error_soft(sk);
		if (!err && !icmp_error_pending(&rec, own ? si.opened_ns : 0))
			return; /* the application gave up (close() in SYN_SENT): not a failure */
	}
	handshake_facts(sc, &rec, err, NULL, own ? &si : NULL);
	emit(&rec);
}

/*
 * A connection died without a RST: its retransmissions or keepalives ran
 * out (tcp_write_err() sets sk_err, ETIMEDOUT or the ICMP error that came
 * meanwhile, before tcp_done()).  The other branch of the
 * firewall-forgot-the-connection story, which otherwise leaves no trace.
 * A RST sets ECONNRESET or EPIPE instead; close() and abort leave others.
 */
static __always_inline bool died_of_timeout(int err)
{
	return err == ETIMEDOUT || err == EHOSTUNREACH || err == ENETUNREACH || err == EHOSTDOWN;
}

static __always_inline void timed_out(void *ctx, const struct state_change *sc, int err)
{
	struct rst_record rec = {};
	struct rst_sock_info si = {};
	bool own;

	rec.event = RST_EV_TIMED_OUT;
	rec.state = sc->oldstate;
	rec.flags |= RST_F_STATE;
	rec.error = err;
	rec.cause = RST_CAUSE_TIMEOUT;
	rec.family = sc->family;
	rec.lport = sc->sport;
	rec.rport = sc->dport;
	state_change_addrs(ctx, sc, &rec);
	unmap_v4(&rec);
	rec.netns = sk_netns(sc->sk);
	rec.sock_cookie = sock_cookie_of(sc->sk, sc->key);
	own = owner_lookup(sc->key, &si);
	if (attribute_socket_owner(&rec, sc->sk, sc->oldstate, own ? &si.owner : NULL,
				   own ? si.role : 0))
		rec.side = rec.flags & RST_F_SERVER ? RST_SIDE_SERVER : RST_SIDE_CLIENT;
	conn_context(&rec, sc->sk, own ? si.opened_ns : 0);
	rec.sock_ino = sock_ino(sc->sk);
	emit(&rec);
}

/* A listener closed (a rare path): its entry goes, and user space's
 * listener history learns it. */
static __always_inline void listener_closed(void *ctx, const struct state_change *sc)
{
	struct rst_listener_key lk;
	struct rst_listener *l;
	struct rst_record *fact = listener_fact(ctx, sc, RST_EV_LISTEN_CLOSE);
	bool registered;

	listener_key_of(ctx, sc, &lk);
	l = bpf_map_lookup_elem(&listeners, &lk);
	/* SO_REUSEPORT: only the listener that registered the port
	 * takes its entry away (0: a seeded listener whose key the
	 * seeding could not know). */
	registered = l && (l->sk == sc->key || !l->sk);
	/* Its owner is that entry's; another listener of a shared port
	 * closes without one (user space knows the port's entry, and
	 * the owner table's look-up would cost every program run's
	 * verification more than it tells). */
	if (fact && registered)
		set_owner(fact, &l->owner, RST_ATTR_SOCKET_OWNER, RST_F_SERVER);
	if (fact)
		emit_internal(fact);
	if (registered)
		bpf_map_delete_elem(&listeners, &lk);
}

/*
 * A socket reached CLOSE, in the hot program: a handshake a RST ended is
 * reported here; every other case that may make a record is left to the
 * rare program (rare_paths()), once the closing socket is noted and its
 * owner slot released (that slot keeps the owner, so the rare program
 * still finds it).  One look-up each of socks, handshake_rsts and closing.
 */
static __always_inline void on_close(void *ctx, const struct state_change *sc)
{
	struct rst_owner_slot *slot = owner_slot(sc->key);
	struct rst_handshake_rst rst;
	bool rare;
	int err;

	if (sc->oldstate == TCP_SYN_SENT || sc->oldstate == TCP_SYN_RECV) {
		rare = !take_handshake_rst(sc->key, &rst);
		if (!rare)
			handshake_reset(ctx, sc, &rst, slot);
	} else if (sc->oldstate == TCP_LISTEN) {
		rare = true;
	} else {
		err = sk_error(sc->sk);
		rare = err && died_of_timeout(err);
	}
	remember_closing(sc->key, sc->oldstate);
	owner_release_slot(slot, sc->key);
	if (rare)
		bpf_tail_call(ctx, &set_state_rare, RST_SET_STATE_RARE_SLOT);
}

/* connect() and listen() run in the owner's context: claim the socket. */
static __always_inline void claim_for_current(const struct state_change *sc,
					      struct rst_owner *owner, __u8 role)
{
	owner_from_current(owner);
	owner_claim(sc->key, owner, role);
}

/* A connect(): the hot path's first run. */
static __always_inline void on_connect(const struct state_change *sc)
{
	struct rst_owner owner;

	claim_for_current(sc, &owner, RST_F_CLIENT);
}

/* A listen() (a rare path): the owner, the listener's entry, and the fact
 * for user space's listener history. */
static __always_inline void on_listen(void *ctx, const struct state_change *sc)
{
	struct rst_owner owner;
	struct rst_listener_key lk;
	struct rst_listener l = {.sk = sc->key};
	struct rst_record *fact;

	claim_for_current(sc, &owner, RST_F_SERVER);
	l.owner = owner;
	listener_key_of(ctx, sc, &lk);
	map_update(&listeners, &lk, &l, BPF_ANY, RST_MAP_LISTENERS);
	map_update(&listener_tgids, &owner.pid, &owner.proc_start_ns, BPF_ANY,
		   RST_MAP_LISTENER_TGIDS);
	fact = listener_fact(ctx, sc, RST_EV_LISTEN_OPEN);
	if (fact) {
		set_owner(fact, &owner, RST_ATTR_SOCKET_OWNER, RST_F_SERVER);
		emit_internal(fact);
	}
}

/*
 * A listener's child is born (inet_csk_clone_lock() moves it to SYN_RECV).
 * Where the owner table is keyed by the socket's address (the classic
 * programs), the slab may have handed it the address of a socket that
 * closed lately, whose slot still holds that socket's owner for its last
 * RST: the child must not inherit it (seen: a dual-stack server's reset
 * attributed to the client whose socket had the same address before).
 */
static __always_inline void on_child_born(const struct state_change *sc)
{
	owner_forget(sc->key);
}

/* The hot program: every tracked transition of every TCP socket. */
static __always_inline void on_state_change(void *ctx, const struct state_change *sc)
{
	if (sc->newstate == TCP_CLOSE)
		on_close(ctx, sc);
	else if (sc->newstate == TCP_SYN_RECV)
		on_child_born(sc);
	else if (sc->newstate == TCP_SYN_SENT)
		on_connect(sc);
	else /* TCP_LISTEN */
		bpf_tail_call(ctx, &set_state_rare, RST_SET_STATE_RARE_SLOT);
}

/*
 * The rare program, tail-called by the hot one with the same event (a
 * tail call does not return: the hot program did its part of a CLOSE
 * before).  It decides again from the event what it is called for.
 */
static __always_inline void rare_paths(void *ctx, const struct state_change *sc)
{
	int err;

	if (sc->newstate == TCP_LISTEN) {
		on_listen(ctx, sc);
	} else if (sc->newstate != TCP_CLOSE) {
		return;
	} else if (sc->oldstate == TCP_SYN_SENT || sc->oldstate == TCP_SYN_RECV) {
		handshake_failed_without_rst(ctx, sc);
	} else if (sc->oldstate == TCP_LISTEN) {
		listener_closed(ctx, sc);
	} else {
		err = sk_error(sc->sk);
		if (err && died_of_timeout(err))
			timed_out(ctx, sc, err);
	}
}

#endif /* RSTSNOOP_SET_STATE_BPF_H */
